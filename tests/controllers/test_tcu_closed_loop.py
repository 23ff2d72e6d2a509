"""TCU with the plant in the loop (default rig, virtual time): what the driver and the engine see."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import Intervention, Selector, ShiftKind, ShiftPhase, Trigger
from hil.results.trace import Trace
from hil.stage.timeline import Timeline
from tests.support import RALLY, ROAD, run_virtual

NS = 1_000_000_000
MS = 1_000_000


def events(trace: Trace) -> list[dict[str, float]]:
    return [f.signals for f in trace.of("TCU_ShiftEvent")]


def full_throttle(seconds: float, selector: Selector = Selector.D) -> Timeline:
    tl = Timeline("full_throttle", int(seconds * NS))
    tl.track("selector").set(0, float(selector))
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(NS, 100.0)
    return tl


def phase_ms(trace: Trace, t0: int, t1: int, phase: ShiftPhase) -> float:
    """How long TCU_Status showed `phase` in [t0, t1)."""
    frames = [f for f in trace.of("TCU_Status") if t0 <= f.t_ns <= t1]
    return sum((b.t_ns - a.t_ns) / 1e6 for a, b in itertools.pairwise(frames) if a.signals["ShiftPhase"] == phase)


@pytest.mark.parametrize("calibration", [RALLY, ROAD], ids=["rally", "road"])
def test_full_throttle_in_d_upshifts_one_gear_at_a_time_with_the_calibrated_timed_phases(calibration: Path) -> None:
    _, trace = run_virtual(full_throttle(20.0), calibration=calibration)
    frames = trace.of("TCU_ShiftEvent")
    evs = [f.signals for f in frames]
    assert [(e["FromGear"], e["ToGear"]) for e in evs[:4]] == [(1, 2), (2, 3), (3, 4), (4, 5)]
    shift = load_calibration(calibration).values.tcu.shift
    t = shift.power_on_up
    for f, e in zip(frames[:4], evs[:4], strict=True):
        assert e["Trigger"] == Trigger.SCHEDULE and e["ShiftKind"] == ShiftKind.POWER_ON_UP
        start = f.t_ns - int((e["ShiftTimeMs"] + shift.sync_confirm_ms + 40) * MS)
        begin = trace.first("TCU_Status", lambda s: s["ShiftPhase"] == ShiftPhase.FILL, start)
        assert begin is not None
        assert phase_ms(trace, begin.t_ns, f.t_ns, ShiftPhase.FILL) == pytest.approx(
            shift.decision_ms + t.fill_ms, abs=10.0)
        assert phase_ms(trace, begin.t_ns, f.t_ns, ShiftPhase.TORQUE) == pytest.approx(t.torque_ms, abs=10.0)
        # the inertia phase is the physics': it ends on the input reaching the new gear
        assert e["InertiaPhaseMs"] > 0.0
        assert abs(e["DeadTimeMs"] + e["InertiaPhaseMs"] - e["ShiftTimeMs"]) <= 1.0
    assert [e["EventCounter"] for e in evs] == list(range(1, len(evs) + 1))


def test_an_upshift_ends_with_the_engine_at_the_new_gears_speed_not_before() -> None:
    _, trace = run_virtual(full_throttle(8.0))
    shift = load_calibration(RALLY).values.tcu.shift
    for f in trace.of("TCU_ShiftEvent"):
        ev = f.signals
        status = trace.first("TCU_Status", lambda s: True, f.t_ns - 1)
        turbine = trace.first("ECM_PlantSensors", lambda s: True, f.t_ns - 1)
        assert status is not None and turbine is not None
        new_sync = status.signals["OutputSpeed"] * load_calibration(RALLY).values.hardware.gear_ratios[
            int(ev["ToGear"]) - 1]
        assert abs(turbine.signals["TurbineSpeed"] - new_sync) < shift.sync_band_rpm + 15.0


def test_full_throttle_upshifts_are_anticipated_so_the_engine_stays_near_the_shift_line() -> None:
    _, trace = run_virtual(full_throttle(12.0), calibration=ROAD)
    line_rpm = 6700.0  # engine speed of the 100 % upshift line in calibrations/road.toml
    assert max(rpm for _, rpm in trace.series("ECM_Engine", "EngineSpeed")) < line_rpm + 150.0


def test_slow_throttle_sweep_never_hunts_with_the_plant_in_the_loop() -> None:
    tl = Timeline("sweep", 36 * NS)
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(24 * NS, 100.0, ramp=True)
    acc.set(36 * NS, 0.0, ramp=True)
    _, trace = run_virtual(tl)
    gears = [int(e["ToGear"]) for e in events(trace)]
    assert len(gears) >= 4
    reversals = sum(1 for a, b, c in zip([1, *gears], gears, gears[1:], strict=False) if (b - a) * (c - b) < 0)
    assert reversals == 0, f"gear sequence hunts: {gears}"


def test_upshift_cut_is_executed_by_the_engine_during_the_inertia_phase() -> None:
    _, trace = run_virtual(full_throttle(6.0))
    inertia = {f.t_ns for f in trace.of("TCU_Status") if f.signals["ShiftPhase"] == ShiftPhase.INERTIA}
    cuts = [f for f in trace.of("TCU_TorqueRequest") if f.t_ns in inertia]
    assert cuts and all(f.signals["InterventionType"] == Intervention.UPSHIFT_CUT for f in cuts)
    acks = [f.signals["TorqueInterventionActive"] for f in trace.of("ECM_Engine")
            if any(0 < f.t_ns - t <= 20 * MS for t in inertia)]
    assert 1.0 in acks


def test_paddle_downshift_blip_brings_the_engine_up_to_the_new_gear() -> None:
    tl = Timeline("blip", 12 * NS)
    tl.track("selector").set(0, float(Selector.M))
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(NS, 60.0)
    acc.set(8 * NS, 0.0)
    up, down = tl.track("paddle_up"), tl.track("paddle_down")
    for t in (3, 4, 5):
        up.set(t * NS, 1.0)
        up.set(t * NS + 50 * MS, 0.0)
    down.set(9 * NS, 1.0)
    down.set(9 * NS + 50 * MS, 0.0)
    _, trace = run_virtual(tl)
    last = events(trace)[-1]
    assert (last["FromGear"], last["ToGear"], last["ShiftKind"]) == (4, 3, ShiftKind.POWER_OFF_DOWN)
    blips = [f for f in trace.of("TCU_TorqueRequest") if f.signals["InterventionType"] == Intervention.DOWNSHIFT_BLIP]
    assert blips
    target = blips[-1].signals["BlipTargetSpeed"]
    before = trace.first("ECM_Engine", lambda s: True, blips[0].t_ns - 1)
    gear3 = trace.first("TCU_Status", lambda s: s["GearActual"] == 3, 9 * NS)
    assert before is not None and gear3 is not None
    after = trace.first("ECM_Engine", lambda s: True, gear3.t_ns + 20 * MS)
    assert after is not None
    assert before.signals["EngineSpeed"] < 0.9 * target  # the engine had to come up...
    assert after.signals["EngineSpeed"] == pytest.approx(target, rel=0.05)  # ...and it did


@pytest.mark.parametrize(("calibration", "upshifts"), [(ROAD, True), (RALLY, False)], ids=["road", "rally"])
def test_full_throttle_in_m_upshifts_at_the_limiter_only_where_calibrated(calibration: Path, upshifts: bool) -> None:
    _, trace = run_virtual(full_throttle(6.0, Selector.M), calibration=calibration)
    evs = events(trace)
    if upshifts:
        assert [(e["FromGear"], e["ToGear"], e["Trigger"]) for e in evs] == [(1, 2, Trigger.LIMITER)]
    else:
        assert evs == []
        limiter = load_calibration(calibration).values.tcu.limiter_rpm
        on_limiter = [t for t, rpm in trace.series("ECM_Engine", "EngineSpeed") if rpm >= limiter]
        assert on_limiter and on_limiter[-1] - on_limiter[0] > NS  # held there for over a second


def test_gear_changes_only_ever_by_the_shift_event_and_never_skips_a_report() -> None:
    _, trace = run_virtual(full_throttle(15.0))
    gears = [int(f.signals["GearActual"]) for f in trace.of("TCU_Status")]
    changes = [(a, b) for a, b in itertools.pairwise(gears) if a != b and 1 <= a <= 8]
    assert changes == [(int(e["FromGear"]), int(e["ToGear"])) for e in events(trace)]


def brake_stall(calibration: Path) -> list[float]:
    """OilTemp over a 7 s full-throttle brake-stall in D and 15 s of idling after it."""
    tl = Timeline("brake_stall", 23 * NS)
    tl.track("brake_bar").set(0, 150.0)
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(NS, 100.0)
    acc.set(8 * NS, 0.0)
    _, trace = run_virtual(tl, calibration=calibration)
    return [v for _, v in trace.series("TCU_Status", "OilTemp")]


def test_converter_slip_heats_the_oil_and_the_rally_cooler_sheds_it_faster() -> None:
    rally, road = brake_stall(RALLY), brake_stall(ROAD)
    for oil in (rally, road):
        assert oil[0] == pytest.approx(85.0, abs=1.0)
        assert max(oil) > 105.0  # a stall pumps ~100 kW into the oil
    assert max(rally) < max(road)
    assert max(rally) - rally[-1] > max(road) - road[-1]
