"""TCU in D and around it on the bus: maps, no hunting, kickdown, paddles in D, lock-up, HHB requests."""

from __future__ import annotations

import itertools

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import Mode, RejectReason, Selector, ShiftKind, Trigger
from tests.controllers.tcu_bench import Bench, tcu_bench
from tests.player import MS
from tests.support import RALLY, ROAD


def gears(bench: Bench, after_ns: int = -1) -> list[int]:
    """GearActual over time, consecutive duplicates removed."""
    out: list[int] = []
    for f in bench.statuses(after_ns):
        g = int(f.signals["GearActual"])
        if not out or out[-1] != g:
            out.append(g)
    return out


def to_d(bench: Bench, gear: int, kph: float) -> None:
    """Into `gear` with the paddles in M, then D, and let the schedule settle."""
    bench.into_gear(gear, kph)
    bench.driver(Selector=float(Selector.D))
    bench.run_ms(3000)


def sweep(bench: Bench, start: float, end: float, seconds: float, ripple_kph: float = 0.0) -> None:
    """Pedal ramps from `start` to `end` %; wheel speed jitters by ±ripple (sensor quantisation)."""
    base = bench.kph
    steps = int(seconds * 100)
    for n in range(steps):
        bench.driver(AccelPedal=start + (end - start) * n / steps)
        bench.kph = base + (ripple_kph if n % 2 else -ripple_kph)
        bench.run_ms(10)
    bench.kph = base


def test_d_upshifts_through_the_gears_on_the_map_as_speed_rises() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=40.0) as bench:
        t0 = bench.now_ns()
        for kph in range(0, 180, 2):
            bench.kph = float(kph)
            bench.run_ms(200)
        assert gears(bench, t0) == list(range(1, 9))
        assert all(e.signals["Trigger"] == Trigger.SCHEDULE for e in bench.events(t0))
        assert all(e.signals["ShiftKind"] == ShiftKind.POWER_ON_UP for e in bench.events(t0))
        assert bench.status()["Mode"] == Mode.D


def test_slow_throttle_sweep_at_steady_speed_never_hunts() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=0.0) as bench:
        to_d(bench, 3, 65.0)
        t_rise = bench.now_ns()
        sweep(bench, 0.0, 100.0, 20.0, ripple_kph=0.25)
        t_fall = bench.now_ns()
        sweep(bench, 100.0, 0.0, 20.0, ripple_kph=0.25)
        rise = [int(f.signals["GearActual"]) for f in bench.statuses(t_rise - 1) if f.t_ns < t_fall]
        fall = gears(bench, t_fall - 1)
        assert all(b <= a for a, b in itertools.pairwise(rise)), "the gear went up while the pedal rose"
        assert all(b >= a for a, b in itertools.pairwise(fall)), "the gear went down while the pedal fell"
        assert len(set(rise)) >= 3 and len(set(fall)) >= 3  # the sweep really crossed several lines


def test_kickdown_skips_to_the_lowest_gear_that_stays_under_the_rev_ceiling() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=10.0) as bench:
        to_d(bench, 3, 60.0)
        g = bench.gear()
        assert g >= 5
        t0 = bench.now_ns()
        bench.driver(AccelPedal=100.0)
        bench.run_ms(800)
        ev = bench.events(t0)[0].signals
        cal = load_calibration(RALLY).values.tcu
        want = next(k for k in range(max(1, g - cal.kickdown_max_steps), g)
                    if bench.sync_rpm(k) <= cal.kickdown_max_rpm)
        assert ev["Trigger"] == Trigger.KICKDOWN and ev["ShiftKind"] == ShiftKind.POWER_ON_DOWN
        assert (ev["FromGear"], ev["ToGear"]) == (g, want)
        assert g - want >= 2


def test_paddle_in_d_takes_manual_control_for_a_while_then_d_resumes() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=20.0) as bench:
        to_d(bench, 3, 60.0)
        g = bench.gear()
        t0 = bench.press("PaddleDown")
        bench.run_ms(6000)
        assert bench.gear() == g - 1 and len(bench.events(t0)) == 1  # held, though the map says g
        assert bench.status()["Mode"] == Mode.D
        bench.run_ms(4000)  # the 8 s hold has run out
        assert bench.gear() == g
        assert bench.events(t0)[-1].signals["Trigger"] == Trigger.SCHEDULE


def test_slowing_to_a_stop_in_d_ends_in_first() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=0.0) as bench:
        to_d(bench, 3, 80.0)
        assert bench.gear() >= 6
        for kph in range(80, -1, -4):
            bench.kph = float(kph)
            bench.run_ms(100)
        bench.run_ms(1000)
        assert bench.gear() == 1


def test_slowing_in_m_downshifts_before_the_engine_would_stall() -> None:
    with tcu_bench(pedal_pct=0.0) as bench:
        bench.into_gear(4, 60.0)
        t0 = bench.now_ns()
        for kph in range(60, -1, -2):
            bench.kph = float(kph)
            bench.run_ms(100)
        bench.run_ms(1000)
        assert bench.gear() == 1
        assert all(e.signals["Trigger"] == Trigger.SCHEDULE for e in bench.events(t0))
        rpm_before = [bench.sync_rpm(int(f.signals["FromGear"])) for f in bench.events(t0)]
        assert rpm_before  # the anti-stall shifts happened


def test_handbrake_upshift_inhibit_blocks_d_upshifts_and_paddle_upshifts() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=40.0) as bench:
        to_d(bench, 2, 40.0)
        bench.player.set("HHB_Status", UpshiftInhibitRequest=1.0)
        bench.run_ms(20)
        t0 = bench.now_ns()
        bench.kph = 90.0
        bench.run_ms(2000)
        assert bench.gear() == 2 and bench.events(t0) == []
        bench.driver(Selector=float(Selector.M))
        bench.run_ms(50)
        bench.press("PaddleUp")
        bench.run_ms(300)
        assert bench.status()["ShiftRejectReason"] == RejectReason.INTERLOCK
        bench.player.set("HHB_Status", UpshiftInhibitRequest=0.0)
        bench.run_ms(50)
        bench.press("PaddleUp")
        bench.run_ms(300)
        assert bench.gear() == 3


@pytest.mark.parametrize(("calibration", "first_gear_locks"), [(RALLY, True), (ROAD, False)], ids=["rally", "road"])
def test_lockup_closes_from_the_calibrated_gear_and_opens_at_low_speed(calibration: object,
                                                                       first_gear_locks: bool) -> None:
    with tcu_bench(RALLY if calibration is RALLY else ROAD) as bench:
        bench.into_gear(1, 30.0)  # 1st: turbine well above the 1,300 rpm close speed
        bench.run_ms(100)
        assert bench.status()["ConverterLockup"] == float(first_gear_locks)
        bench.press("PaddleUp")
        bench.run_ms(600)
        assert bench.status()["ConverterLockup"] == 1.0
        t0 = bench.now_ns()
        bench.kph = 6.0  # turbine under the 1,000 rpm open speed in 2nd and in 1st
        bench.run_ms(50)
        opened = bench.trace.first("TCU_Status", lambda s: s["ConverterLockup"] == 0.0, t0)
        assert opened is not None and opened.t_ns - t0 <= 20 * MS


def test_handbrake_converter_open_request_opens_the_lockup() -> None:
    with tcu_bench() as bench:
        bench.into_gear(3, 60.0)
        assert bench.status()["ConverterLockup"] == 1.0
        t0 = bench.now_ns()
        bench.player.set("HHB_Status", ConverterOpenRequest=1.0)
        bench.run_ms(50)
        opened = bench.trace.first("TCU_Status", lambda s: s["ConverterLockup"] == 0.0, t0)
        assert opened is not None and opened.t_ns - t0 <= 20 * MS
        bench.player.set("HHB_Status", ConverterOpenRequest=0.0)
        bench.run_ms(50)
        assert bench.status()["ConverterLockup"] == 1.0


def test_output_speed_is_final_drive_times_the_mean_of_front_and_rear_axle_speeds() -> None:
    with tcu_bench() as bench:
        bench.run_ms(50)
        bench.player.set("ABS_WheelSpeeds", WheelSpeedFL=40.0, WheelSpeedFR=40.0, WheelSpeedRL=0.0, WheelSpeedRR=0.0)
        bench.player.run_for(30 * MS)
        # rear axle held by the handbrake: an open centre makes the output turn at half the front speed
        assert bench.status()["OutputSpeed"] == pytest.approx(bench.output_rpm(40.0) / 2, abs=0.5)


def test_identity_frame_carries_the_calibration_hash() -> None:
    with tcu_bench(ROAD) as bench:
        bench.run_ms(1100)
        ident = bench.trace.of("TCU_Identity")[-1].signals
        assert ident["CalibrationHash"] == load_calibration(ROAD).hash32
