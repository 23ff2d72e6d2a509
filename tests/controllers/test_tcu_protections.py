"""TCU protections on the bus: each ShiftRejectReason, the limiter upshift, interlocks, lost inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import Gear, Mode, RejectReason, Selector, ShiftPhase, Trigger
from tests.controllers.tcu_bench import Bench, tcu_bench
from tests.player import MS
from tests.support import RALLY, ROAD


def reason(bench: Bench) -> int:
    return int(bench.status()["ShiftRejectReason"])


def test_downshift_that_would_overrev_is_rejected() -> None:
    with tcu_bench() as bench:
        bench.into_gear(3, 100.0)  # 2nd would be ~6,600 rpm, over the 6,300 rpm limit
        assert bench.sync_rpm(2) > 6300.0
        t0 = bench.press("PaddleDown")
        bench.run_ms(500)
        assert reason(bench) == RejectReason.OVERREV
        assert bench.gear() == 3
        assert bench.events(t0) == []


def test_upshift_that_would_lug_the_engine_is_rejected() -> None:
    with tcu_bench() as bench:
        bench.into_gear(2, 20.0)  # 3rd would be ~1,080 rpm, under the 1,100 rpm floor
        assert bench.sync_rpm(3) < 1100.0
        t0 = bench.press("PaddleUp")
        bench.run_ms(500)
        assert reason(bench) == RejectReason.UNDERREV
        assert bench.gear() == 2
        assert bench.events(t0) == []


def test_request_below_first_gear_gets_limit() -> None:
    with tcu_bench() as bench:
        t0 = bench.press("PaddleDown")
        bench.run_ms(200)
        assert reason(bench) == RejectReason.LIMIT
        assert bench.gear() == 1
        assert bench.events(t0) == []


def test_request_above_top_gear_gets_limit() -> None:
    with tcu_bench() as bench:
        bench.into_gear(8, 200.0)
        t0 = bench.press("PaddleUp")
        bench.run_ms(200)
        assert reason(bench) == RejectReason.LIMIT
        assert bench.gear() == 8
        assert bench.events(t0) == []


def test_road_calibration_upshifts_by_itself_at_the_limiter_in_first() -> None:
    with tcu_bench(ROAD) as bench:
        bench.into_gear(1, 40.0)
        t0 = bench.now_ns()
        bench.kph = 59.0  # 1st at ~6,840 rpm: on the limiter
        assert bench.sync_rpm(1) > 6700.0
        bench.run_ms(1000)
        events = bench.events(t0)
        assert len(events) == 1
        assert events[0].signals["Trigger"] == Trigger.LIMITER
        assert (events[0].signals["FromGear"], events[0].signals["ToGear"]) == (1, 2)


def test_road_calibration_holds_second_gear_on_the_limiter() -> None:
    with tcu_bench(ROAD) as bench:
        bench.into_gear(2, 60.0)
        t0 = bench.now_ns()
        bench.kph = 93.0
        assert bench.sync_rpm(2) > 6700.0
        bench.run_ms(1000)
        assert bench.events(t0) == []
        assert bench.gear() == 2


def test_rally_calibration_holds_every_gear_on_the_limiter() -> None:
    with tcu_bench(RALLY) as bench:
        bench.into_gear(1, 40.0)
        t0 = bench.now_ns()
        bench.kph = 55.0
        assert bench.sync_rpm(1) > 6700.0
        bench.run_ms(1000)
        assert bench.events(t0) == []
        assert bench.gear() == 1


def test_reverse_is_refused_while_moving_and_engages_at_standstill() -> None:
    with tcu_bench(selector=Selector.D) as bench:
        bench.into_gear(2, 30.0, selector=Selector.D)
        bench.driver(Selector=float(Selector.R))
        bench.run_ms(300)
        assert reason(bench) == RejectReason.INTERLOCK
        assert bench.gear() != Gear.R
        bench.kph = 0.0
        bench.run_ms(300)
        assert bench.gear() == Gear.R
        assert reason(bench) == RejectReason.NONE


def test_park_is_refused_while_moving() -> None:
    with tcu_bench(selector=Selector.D) as bench:
        bench.into_gear(3, 50.0, selector=Selector.D)
        bench.driver(Selector=float(Selector.P))
        bench.run_ms(300)
        assert reason(bench) == RejectReason.INTERLOCK
        assert bench.gear() != Gear.P


def test_lost_engine_frames_hold_the_gear_and_refuse_paddles_until_they_return() -> None:
    with tcu_bench() as bench:
        bench.into_gear(3, 60.0)
        t_mute = bench.now_ns()
        bench.player.mute("ECM_Engine")
        bench.run_ms(100)
        lost = bench.trace.first("TCU_Status", lambda s: s["InputsLost"] == 1.0, t_mute)
        assert lost is not None and lost.t_ns - t_mute <= 50 * MS  # 3 missed 10 ms frames
        t0 = bench.press("PaddleUp")
        bench.run_ms(500)
        assert reason(bench) == RejectReason.INPUT_LOST
        assert bench.gear() == 3 and bench.events(t0) == []
        assert bench.status()["ConverterLockup"] == 0.0  # cannot trust engine speed: no stall risk taken
        bench.player.unmute("ECM_Engine")
        bench.run_ms(100)
        assert bench.status()["InputsLost"] == 0.0
        t1 = bench.press("PaddleUp")
        bench.run_ms(500)
        assert bench.gear() == 4 and len(bench.events(t1)) == 1


def test_lost_wheel_speeds_hold_the_gear_in_d() -> None:
    with tcu_bench(selector=Selector.D, pedal_pct=0.0) as bench:
        bench.into_gear(3, 60.0, selector=Selector.D)
        bench.run_ms(2000)  # D settles on its own gear for 60 km/h at zero pedal
        settled = bench.gear()
        t_mute = bench.now_ns()
        bench.player.mute("ABS_WheelSpeeds")
        bench.kph = 5.0  # the car slows, but the TCU can no longer see it
        bench.run_ms(2000)
        assert bench.status()["InputsLost"] == 1.0
        assert bench.gear() == settled and bench.events(t_mute + 50 * MS) == []


def overheated(tmp_path: Path, oil_c: float) -> Path:
    """The rally calibration with the oil starting at `oil_c`."""
    text = RALLY.read_text().replace("initial_oil_temp_c = 85.0", f"initial_oil_temp_c = {oil_c}")
    assert text != RALLY.read_text()
    path = tmp_path / "hot.toml"
    path.write_text(text)
    return path


def test_hot_oil_stretches_the_timed_phases_and_softens_the_inertia_pressure(tmp_path: Path) -> None:
    shift = load_calibration(RALLY).values.tcu.shift
    factor = load_calibration(RALLY).values.tcu.thermal.derate_time_factor
    timed, pressure = [], []
    for cal in (RALLY, overheated(tmp_path, 125.0)):
        with tcu_bench(cal) as bench:
            bench.into_gear(3, 60.0)
            t0 = bench.press("PaddleUp")
            bench.run_ms(600)
            inertia = bench.trace.first("TCU_Status", lambda s: s["ShiftPhase"] == ShiftPhase.INERTIA, t0)
            assert inertia is not None
            timed.append((inertia.t_ns - t0) / 1e6)
            pressure.append(bench.trace.first("TCU_ClutchControl", lambda s: True, inertia.t_ns).signals)
    p = shift.power_on_up
    assert timed[0] == pytest.approx(shift.decision_ms + p.fill_ms + p.torque_ms, abs=10.0)
    assert timed[1] == pytest.approx(factor * (shift.decision_ms + p.fill_ms + p.torque_ms), abs=10.0)
    torque_share = shift.oncoming_bar_per_100nm * 375.0 / 100.0  # pedal 50 % x EngineTorqueMax 750 Nm
    hot = shift.fill_bar + (p.inertia_bar - shift.fill_bar) / factor + torque_share
    assert pressure[0]["OncomingPressure"] == pytest.approx(p.inertia_bar + torque_share, abs=0.01)
    assert pressure[1]["OncomingPressure"] == pytest.approx(hot, abs=0.01)


def test_oil_over_limp_temperature_forces_d_and_refuses_paddles(tmp_path: Path) -> None:
    with tcu_bench(overheated(tmp_path, 140.0)) as bench:
        bench.into_gear(1, 0.0)
        assert bench.status()["Mode"] == Mode.D
        bench.kph = 30.0
        bench.run_ms(100)
        t0 = bench.now_ns()
        bench.press("PaddleUp")
        assert reason(bench) == RejectReason.OVERTEMP
        req = bench.trace.of("TCU_TorqueRequest")[-1].signals
        assert req["TorqueLimitRequest"] <= 400.0
        bench.run_ms(3000)
        assert all(e.signals["Trigger"] != Trigger.PADDLE for e in bench.events(t0))
