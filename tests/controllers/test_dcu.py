"""DCU black box: only the driveline controller is emulated; a player drives DRV, HHB, ABS, ECM and TCU frames."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import CentreMode
from hil.results.trace import Trace
from tests.player import MS, Player, controller_rig
from tests.support import RALLY, ROAD

# rally [hardware]: 2nd gear 3.2, final drive 4.1, transfer 1.0; 50/50 centre
AXLE_NM_PER_ENGINE_NM_IN_2ND = 3.2 * 4.1 * 0.5


def start(player: Player, *, kph: float = 40.0, accel: float = 0.0, engine_nm: float = 0.0) -> None:
    player.set("DRV_Controls", HandbrakeLever=0.0, Selector=3.0, AccelPedal=accel)
    player.set("HHB_Status", CentreOpenRequest=0.0)
    player.set("ECM_Engine", EngineSpeed=2500.0, EngineTorque=engine_nm)
    player.set("TCU_Status", GearActual=2.0, GearTarget=2.0, ConverterLockup=1.0)
    wheels(player, kph, kph, kph, kph)


def wheels(player: Player, fl: float, fr: float, rl: float, rr: float, *, vehicle: float | None = None) -> None:
    v = (fl + fr + rl + rr) / 4.0 if vehicle is None else vehicle
    player.set("ABS_WheelSpeeds", WheelSpeedFL=fl, WheelSpeedFR=fr, WheelSpeedRL=rl, WheelSpeedRR=rr,
               VehicleSpeed=v)


@pytest.fixture
def rig() -> Iterator[tuple[Player, Trace]]:
    with controller_rig(("DCU",)) as (_, player, trace):
        start(player)
        player.run_for(500 * MS)
        yield player, trace


@pytest.fixture
def road_rig() -> Iterator[tuple[Player, Trace]]:
    with controller_rig(("DCU",), calibration=ROAD) as (_, player, trace):
        start(player)
        player.run_for(500 * MS)
        yield player, trace


def last(trace: Trace, signal: str) -> float:
    return trace.of("DCU_Status")[-1].signals[signal]


def dcu(trace: Trace, after_ns: int) -> list[tuple[int, dict[str, float]]]:
    return [(f.t_ns, f.signals) for f in trace.of("DCU_Status") if f.t_ns > after_ns]


def test_auto_mode_holds_a_preload_on_grip(rig: tuple[Player, Trace]) -> None:
    _, trace = rig
    assert last(trace, "CentreMode") == CentreMode.AUTO
    assert last(trace, "CentreCouplingTorque") == pytest.approx(60.0, abs=1.0)  # rally preload_grip_nm


def test_auto_torque_rises_with_the_front_rear_speed_difference(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    base = last(trace, "CentreCouplingTorque")
    wheels(player, 40.0, 40.0, 46.0, 46.0, vehicle=40.0)  # rear axle spinning up
    player.run_for(300 * MS)
    assert last(trace, "CentreCouplingTorque") > base + 500.0


def test_auto_torque_rises_with_the_accelerator(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    base = last(trace, "CentreCouplingTorque")
    player.set("DRV_Controls", AccelPedal=100.0)
    player.run_for(200 * MS)
    assert last(trace, "CentreCouplingTorque") == pytest.approx(base + 400.0, abs=2.0)  # 4 Nm per %


def test_auto_preload_is_higher_when_the_wheels_slip_as_on_a_loose_surface(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    base = last(trace, "CentreCouplingTorque")
    wheels(player, 44.0, 44.0, 44.0, 44.0, vehicle=40.0)  # 10 % slip on every wheel, no axle difference
    player.run_for(3000 * MS)
    assert last(trace, "CentreCouplingTorque") == pytest.approx(350.0, abs=5.0)  # preload_loose_nm
    assert base < 100.0


def test_lock_switch_forces_full_lock(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("DRV_Controls", CentreLockSwitch=1.0)
    player.run_for(300 * MS)
    assert last(trace, "CentreMode") == CentreMode.LOCKED
    assert last(trace, "CentreCouplingTorque") == 3000.0


def test_handbrake_open_request_takes_the_coupling_to_zero_within_the_calibrated_time(
        rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("DRV_Controls", AccelPedal=100.0)
    player.run_for(300 * MS)
    assert last(trace, "CentreCouplingTorque") > 400.0
    t0 = player.rig.clock.now_ns()
    player.set("HHB_Status", CentreOpenRequest=1.0)
    player.run_for(200 * MS)
    frames = dcu(trace, t0)
    assert frames[0][1]["CentreMode"] == CentreMode.HANDBRAKE_OPEN
    t_zero = next(t for t, s in frames if s["CentreCouplingTorque"] == 0.0)
    assert t_zero - t0 <= (60 + 10) * MS  # handbrake_open_ms + one frame
    assert frames[1][1]["CentreCouplingTorque"] > 0.0, "a fast ramp, not a step"


def test_handbrake_open_request_wins_over_the_lock_switch(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("DRV_Controls", CentreLockSwitch=1.0)
    player.run_for(300 * MS)
    player.set("HHB_Status", CentreOpenRequest=1.0)
    player.run_for(100 * MS)
    assert last(trace, "CentreMode") == CentreMode.HANDBRAKE_OPEN
    assert last(trace, "CentreCouplingTorque") == 0.0


def test_coupling_is_handed_back_on_a_ramp_when_the_handbrake_lets_go(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("DRV_Controls", CentreLockSwitch=1.0)
    player.set("HHB_Status", CentreOpenRequest=1.0)
    player.run_for(300 * MS)
    t0 = player.rig.clock.now_ns()
    player.set("HHB_Status", CentreOpenRequest=0.0)
    player.run_for(500 * MS)
    frames = dcu(trace, t0)
    at = {round((t - t0) / MS): s["CentreCouplingTorque"] for t, s in frames}
    assert frames[0][1]["CentreMode"] == CentreMode.LOCKED
    assert at[100] < 0.5 * 3000.0, "not yet closed 100 ms after the hand-back"
    assert at[150] == pytest.approx(1500.0, abs=110.0)  # linear over handbrake_reclose_ms = 300
    assert at[310] == 3000.0
    torque = [s["CentreCouplingTorque"] for _, s in frames]
    steps = [b - a for a, b in itertools.pairwise(torque)]
    assert max(steps) <= 3000.0 / 30 + 1.0


def test_low_range_request_is_refused_and_the_range_stays_high(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    assert last(trace, "LowRangeRejected") == 0
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", LowRangeRequest=1.0)
    player.run_for(100 * MS)
    assert last(trace, "LowRangeRejected") == 1
    assert all(s["TransferRange"] == 0 for _, s in dcu(trace, t0))  # HIGH
    player.set("DRV_Controls", LowRangeRequest=0.0)
    player.run_for(50 * MS)
    assert last(trace, "LowRangeRejected") == 0


def test_lsd_lock_torque_is_preload_plus_power_ratio_times_axle_input_torque(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("ECM_Engine", EngineTorque=400.0)
    player.run_for(50 * MS)
    axle = 400.0 * AXLE_NM_PER_ENGINE_NM_IN_2ND
    assert last(trace, "FrontDiffLockTorque") == pytest.approx(80.0 + 0.35 * axle, abs=1.0)
    assert last(trace, "RearDiffLockTorque") == pytest.approx(120.0 + 0.5 * axle, abs=1.0)


def test_lsd_uses_the_coast_ratio_on_overrun(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("ECM_Engine", EngineTorque=-100.0)
    player.run_for(50 * MS)
    axle = 100.0 * AXLE_NM_PER_ENGINE_NM_IN_2ND
    assert last(trace, "FrontDiffLockTorque") == pytest.approx(80.0 + 0.2 * axle, abs=1.0)
    assert last(trace, "RearDiffLockTorque") == pytest.approx(120.0 + 0.3 * axle, abs=1.0)


def test_lsd_input_torque_follows_the_engaged_gear(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("ECM_Engine", EngineTorque=400.0)
    player.set("TCU_Status", GearActual=0.0)  # neutral: nothing reaches the axles
    player.run_for(50 * MS)
    assert last(trace, "RearDiffLockTorque") == pytest.approx(120.0, abs=1.0)
    player.set("TCU_Status", GearActual=6.0)  # 1.000
    player.run_for(50 * MS)
    assert last(trace, "RearDiffLockTorque") == pytest.approx(120.0 + 0.5 * 400.0 * 4.1 * 0.5, abs=1.0)


def test_road_car_front_diff_is_open(road_rig: tuple[Player, Trace]) -> None:
    player, trace = road_rig
    player.set("ECM_Engine", EngineTorque=600.0)
    player.run_for(100 * MS)
    assert last(trace, "FrontDiffLockTorque") == 0.0


def test_road_car_active_rear_diff_locks_on_a_rear_wheel_speed_difference(road_rig: tuple[Player, Trace]) -> None:
    player, trace = road_rig
    base = last(trace, "RearDiffLockTorque")
    wheels(player, 40.0, 40.0, 40.0, 52.0, vehicle=40.0)  # rear right spinning on sand
    t0 = player.rig.clock.now_ns()
    player.run_for(400 * MS)
    frames = dcu(trace, t0)
    assert base == 0.0
    assert last(trace, "RearDiffLockTorque") > 1500.0
    torque = [s["RearDiffLockTorque"] for _, s in frames]
    steps = [b - a for a, b in itertools.pairwise(torque)]
    assert max(steps) <= 2500.0 / 15 + 1.0, "motor travel: open to full in 150 ms"
    wheels(player, 40.0, 40.0, 40.0, 40.0)
    player.run_for(200 * MS)
    assert last(trace, "RearDiffLockTorque") < 1500.0


def test_lsd_sees_the_open_converters_torque_multiplication(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("ECM_Engine", EngineTorque=400.0, EngineSpeed=2000.0)
    player.set("ECM_PlantSensors", TurbineSpeed=0.0)
    player.set("TCU_Status", ConverterLockup=0.0)  # open, turbine stalled: the torque ratio is the stall one
    player.run_for(50 * MS)
    stall = load_calibration(RALLY).values.driveline.converter_stall_torque_ratio
    axle = 400.0 * stall * AXLE_NM_PER_ENGINE_NM_IN_2ND
    assert last(trace, "RearDiffLockTorque") == pytest.approx(min(120.0 + 0.5 * axle, 4095.0), abs=1.0)
    player.set("ECM_PlantSensors", TurbineSpeed=1900.0)  # past the coupling point: no multiplication
    player.run_for(50 * MS)
    assert last(trace, "RearDiffLockTorque") == pytest.approx(120.0 + 0.5 * 400.0 * AXLE_NM_PER_ENGINE_NM_IN_2ND,
                                                              abs=1.0)
