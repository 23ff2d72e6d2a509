"""Each expectation kind passes on a trace that meets it and fails on one that does not."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from hil.bus.codec import Codec
from hil.results.events import Event, EventKind
from hil.results.trace import Trace, TraceFrame
from hil.stage.expect import compile_expectation
from hil.stage.expr import ExprError
from hil.stage.verdicts import Verdict, evaluate
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
MS = 1_000_000


def trace_of(*series: tuple[str, Mapping[int, Mapping[str, float]]]) -> Trace:
    """Frames from {t_ms: signals} per message, merged in time order."""
    frames = [TraceFrame(t * MS, name, dict(sig), True) for name, rows in series for t, sig in rows.items()]
    return Trace(frames=sorted(frames, key=lambda f: f.t_ns))


def rpm(*values: float, step_ms: int = 10) -> tuple[str, dict[int, dict[str, float]]]:
    return "ECM_Engine", {i * step_ms: {"EngineSpeed": v} for i, v in enumerate(values)}


def check(text: str, trace: Trace, events: list[Event] | None = None, end_ms: int | None = None) -> Verdict:
    exp = compile_expectation(text, CODEC)
    return evaluate([exp], trace, events or [], end_ns=None if end_ms is None else end_ms * MS)[0]


def shift(t_ms: int, frm: int, to: int, time_ms: int) -> Event:
    return Event(EventKind.SHIFT, t_ms * MS, {"FromGear": str(frm), "ToGear": str(to), "ShiftTimeMs": time_ms,
                                              "ShiftKind": "POWER_ON_UP" if to > frm else "POWER_OFF_DOWN"})


def test_always_passes_under_the_bound_and_reports_the_maximum() -> None:
    v = check("always: ECM_Engine.EngineSpeed <= 7000 rpm", trace_of(rpm(1000, 6900, 5000)))
    assert v.passed and v.measured == 6900 and v.unit == "rpm"


def test_always_fails_over_the_bound_and_says_when() -> None:
    v = check("always: ECM_Engine.EngineSpeed <= 7000 rpm", trace_of(rpm(1000, 7100, 5000)))
    assert not v.passed and v.measured == 7100 and "first at 0.010 s" in v.detail


def test_never_passes_when_the_enum_value_never_shows() -> None:
    tr = trace_of(("TCU_Status", {0: {"ShiftRejectReason": 0}, 10: {"ShiftRejectReason": 2}}))
    assert check("never: TCU_Status.ShiftRejectReason == OVERREV", tr).passed


def test_never_fails_when_the_enum_value_shows() -> None:
    tr = trace_of(("TCU_Status", {0: {"ShiftRejectReason": 0}, 10: {"ShiftRejectReason": 1}}))
    v = check("never: TCU_Status.ShiftRejectReason == OVERREV", tr)
    assert not v.passed and v.measured == 1


def test_eventually_passes_with_the_first_time() -> None:
    v = check("eventually: ECM_Engine.EngineSpeed > 6000", trace_of(rpm(1000, 5000, 6500, 7000)))
    assert v.passed and v.measured == pytest.approx(0.02)


def test_eventually_fails_when_never_true() -> None:
    assert not check("eventually: ECM_Engine.EngineSpeed > 6000", trace_of(rpm(1000, 5000))).passed


def test_every_upshift_passes_when_each_is_fast_enough_and_ignores_downshifts() -> None:
    events = [shift(100, 1, 2, 180), shift(300, 2, 3, 210), shift(500, 3, 2, 400)]
    v = check("every upshift: ShiftTimeMs < 250 ms", Trace(), events)
    assert v.passed and v.measured == 210 and "2 upshift events" in v.detail


def test_every_upshift_fails_on_a_slow_one() -> None:
    events = [shift(100, 1, 2, 180), shift(300, 2, 3, 260)]
    v = check("every upshift: ShiftTimeMs < 0.25 s", Trace(), events)
    assert not v.passed and v.measured == 260 and "1 of 2" in v.detail


def test_every_event_can_read_enum_fields_and_signals_at_its_time() -> None:
    events = [shift(100, 1, 2, 180)]
    tr = trace_of(rpm(*([5000.0] * 20)))
    assert check("every shift: ShiftKind == POWER_ON_UP and ECM_Engine.EngineSpeed > 4000", tr, events).passed
    assert not check("every shift: ShiftKind == POWER_OFF_DOWN", tr, events).passed


def hhb(locked_from_ms: int | None, until_ms: int = 1000) -> tuple[str, dict[int, dict[str, float]]]:
    return "HHB_Status", {t: {"RearAxleLocked": float(locked_from_ms is not None and t >= locked_from_ms)}
                          for t in range(0, until_ms, 10)}


def pull(t_ms: int) -> Event:
    return Event(EventKind.HANDBRAKE_PULL, t_ms * MS, {"HandbrakeLever": 80})


def test_within_passes_when_the_axle_locks_in_time_and_reports_the_latency() -> None:
    v = check("within 400 ms of each handbrake_pull: HHB_Status.RearAxleLocked == 1",
              trace_of(hhb(350)), [pull(100)])
    assert v.passed and v.measured == pytest.approx(250.0) and v.unit == "ms"


def test_within_fails_when_the_axle_locks_too_late() -> None:
    v = check("within 400 ms of each handbrake_pull: HHB_Status.RearAxleLocked == 1",
              trace_of(hhb(600)), [pull(100)])
    assert not v.passed and "1 of 1" in v.detail


def speed(kph: float, until_ms: int) -> tuple[str, dict[int, dict[str, float]]]:
    return "ABS_WheelSpeeds", {t: {"VehicleSpeed": kph} for t in range(0, until_ms + 1, 10)}


def test_time_segment_passes_on_its_duration_and_aggregates() -> None:
    tr = trace_of(speed(36.0, 50_000), rpm(*[3000.0 + i / 2 for i in range(5000)]))
    v = check("segment 10 s .. 40 s: duration < 31 s and max(ECM_Engine.EngineSpeed) < 7000", tr)
    assert v.passed and "max(ECM_Engine.EngineSpeed) = 5000 rpm" in v.detail


def test_time_segment_fails_when_the_run_ends_first() -> None:
    v = check("segment 10 s .. 40 s: duration < 31 s", trace_of(speed(36.0, 20_000)))
    assert not v.passed and "not completed" in v.detail


def test_distance_segment_measures_the_time_to_cover_it() -> None:
    tr = trace_of(speed(36.0, 120_000))  # 10 m/s
    v = check("segment 0 m .. 1 km: duration < 101 s", tr)
    assert v.passed and v.measured == pytest.approx(100.0, abs=0.02)
    assert not check("segment 0 m .. 1 km: duration < 90 s", tr).passed


def test_stage_count_of_events_passes_and_fails() -> None:
    events = [shift(100, 1, 2, 180), shift(300, 2, 3, 210)]
    tr = trace_of(speed(10.0, 1000))
    assert check("stage: count(upshift) >= 2", tr, events).passed
    v = check("stage: count(upshift) >= 3", tr, events)
    assert not v.passed and v.measured == 2


def test_stage_distance_builtin_is_metres() -> None:
    tr = trace_of(speed(36.0, 10_000))
    assert check("stage: distance > 99 m and distance < 0.101 km", tr).passed


@pytest.mark.parametrize(("text", "reason"), [
    ("always: ECM_Motor.EngineSpeed < 1", "no message 'ECM_Motor'"),
    ("always: ECM_Engine.Speed < 1", "no signal 'Speed' in ECM_Engine"),
    ("never: TCU_Status.ShiftRejectReason == OVERSPEED", "'OVERSPEED' is not a value of"),
    ("always: ECM_Engine.EngineSpeed < 40 km/h", "is in rpm, not speed"),
    ("always: max(ECM_Engine.EngineSpeed) < 7000", "only allowed in segment and stage checks"),
    ("stage: ECM_Engine.EngineSpeed < 7000", "reads signals through max(), min() or mean()"),
    ("every wheelie: ShiftTimeMs < 1", "unknown event kind 'wheelie'"),
    ("every upshift: ShiftTime < 1", "unknown name 'ShiftTime'"),
    ("always: duration < 1 s", "only known in segment and stage checks"),
    ("stage: count(ECM_Engine.EngineSpeed) > 1", "count() takes an event kind"),
    ("always: TCU_Status.ShiftRejectReason == 5 rpm", "has no unit"),
])
def test_binding_refuses_bad_names_and_units(text: str, reason: str) -> None:
    with pytest.raises(ExprError) as exc:
        compile_expectation(text, CODEC)
    assert reason in exc.value.reason


def test_verdict_serialises_to_json_fields() -> None:
    v = check("always: ECM_Engine.EngineSpeed <= 7000 rpm", trace_of(rpm(1000)))
    assert set(v.to_json()) == {"name", "passed", "detail", "measured", "unit"}
