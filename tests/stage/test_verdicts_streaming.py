"""Verdicts judged while the run goes (flat memory) are the ones a recorded trace gives."""

from __future__ import annotations

from pathlib import Path

from hil.bus.codec import Codec
from hil.results.events import Event, EventKind
from hil.results.trace import Trace, TraceFrame
from hil.runtime.rig import Rig
from hil.stage.expect import compile_expectation
from hil.stage.loader import load_stage
from hil.stage.verdicts import Verdicts, evaluate
from tests.support import ROOT, prepared

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
MS = 1_000_000

EVERY_KIND = """
stage: every_kind
description: a launch judged by every kind of check
duration: 20 s
steps:
  - at: 0 s
    selector: D
    surface: tarmac
  - at: 1 s
    accel: {to: 100 %, over: 200 ms}
expect:
  - "eventually: ABS_WheelSpeeds.VehicleSpeed >= 50 km/h"
  - "always: ECM_Engine.EngineSpeed <= 7200 rpm"
  - "never: TCU_Status.ShiftRejectReason == OVERREV"
  - "every upshift: ShiftTimeMs < 250 ms"
  - "within 400 ms of each upshift: TCU_Status.ShiftInProgress == 0"
  - "segment 0 m .. 100 m: duration < 20 s and max(ECM_Engine.EngineSpeed) < 9000 rpm"
  - "segment 2 s .. 10 s: mean(ECM_Engine.EngineSpeed) > 1000 rpm"
  - "segment 5 m .. end: min(TCU_Status.GearActual) >= 1"
  - "stage: count(upshift) >= 1 and max(ABS_WheelSpeeds.VehicleSpeed) > 10 km/h"
  - "stage: distance > 10 m"
  - "every upshift: TCU_ShiftEvent.ToGear == ToGear"
"""


def test_live_verdicts_equal_those_of_the_recorded_trace(tmp_path: Path) -> None:
    path = tmp_path / "every_kind.yaml"
    path.write_text(EVERY_KIND)
    stage = load_stage(path)
    trace = Trace()
    with Rig(prepared(stage=stage), out=tmp_path / "out") as rig:
        rig.observe(trace)
        rig.advance(stage.duration_ns)
    assert rig.results is not None
    live = [v.to_json() for v in rig.results.verdicts]
    replayed = evaluate(stage.expectations, trace, rig.results.events, end_ns=stage.duration_ns)
    assert live == [v.to_json() for v in replayed]
    assert len(live) == 11 and all(v["passed"] for v in live), live


def test_a_distance_bound_counts_the_frames_of_its_instant_that_came_before_the_wheel_speeds() -> None:
    judge = Verdicts([compile_expectation("segment 100 m .. end: max(ECM_Engine.EngineSpeed) < 5000 rpm", CODEC)])
    for k in range(12):  # 36 km/h: 10 m per 1 s frame, 100 m reached at 10 s
        t = k * 1000 * MS
        judge.frame(t, "ECM_Engine", {"EngineSpeed": 6000.0 if k == 10 else 3000.0})  # before ABS, same instant
        judge.frame(t, "ABS_WheelSpeeds", {"VehicleSpeed": 36.0})
    (v,) = judge.verdicts()
    assert not v.passed and v.measured == 6000.0


def test_an_event_sees_the_signals_of_its_own_instant() -> None:
    frames = [TraceFrame(0, "HHB_Status", {"RearAxleLocked": 0.0}, True),
              TraceFrame(10 * MS, "HHB_Status", {"RearAxleLocked": 1.0}, True),
              TraceFrame(20 * MS, "HHB_Status", {"RearAxleLocked": 0.0}, True)]
    pull = [Event(EventKind.HANDBRAKE_PULL, 10 * MS, {})]
    for text in ("every handbrake_pull: HHB_Status.RearAxleLocked == 1",
                 "within 0 ms of each handbrake_pull: HHB_Status.RearAxleLocked == 1"):
        (v,) = evaluate([compile_expectation(text, CODEC)], Trace(frames=frames), pull)
        assert v.passed, (text, v.detail)
