"""HHB black box: only the handbrake controller is emulated; a player drives DRV, ABS, ECM and DCU frames."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import CentreMode, HhbFault, HhbState
from hil.results.trace import Trace
from tests.player import MS, Player, controller_rig
from tests.support import RALLY

ON, REST = 50.0, 0.0


@pytest.fixture
def rig() -> Iterator[tuple[Player, Trace]]:
    with controller_rig(("HHB",)) as (_, player, trace):
        player.set("DRV_Controls", HandbrakeLever=REST, Selector=3.0, AccelPedal=30.0)
        player.set("ECM_Engine", EngineSpeed=2500.0, EngineTorque=200.0)
        drive(player, 40.0)
        player.set("DCU_Status", CentreMode=float(CentreMode.AUTO), CentreCouplingTorque=300.0)
        player.run_for(200 * MS)
        yield player, trace


def drive(player: Player, kph: float, rear_kph: float | None = None) -> None:
    rear = kph if rear_kph is None else rear_kph
    player.set("ABS_WheelSpeeds", WheelSpeedFL=kph, WheelSpeedFR=kph, WheelSpeedRL=rear, WheelSpeedRR=rear,
               VehicleSpeed=kph)


def dcu_opened(player: Player) -> None:
    player.set("DCU_Status", CentreMode=float(CentreMode.HANDBRAKE_OPEN), CentreCouplingTorque=0.0)


def last(trace: Trace, signal: str) -> float:
    return trace.of("HHB_Status")[-1].signals[signal]


def hhb(trace: Trace, after_ns: int = -1) -> list[tuple[int, dict[str, float]]]:
    return [(f.t_ns, f.signals) for f in trace.of("HHB_Status") if f.t_ns > after_ns]


def pull_to_lock(player: Player, trace: Trace) -> int:
    """Lever pulled, DCU opens, rear wheels stop: returns the lever time."""
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(30 * MS)
    dcu_opened(player)
    player.run_for(100 * MS)
    drive(player, 35.0, rear_kph=0.0)
    player.run_for(100 * MS)
    assert last(trace, "State") == HhbState.LOCKED
    return t0


def test_lever_pull_requests_centre_open_and_waits_for_the_dcu_before_pressure(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(100 * MS)  # the DCU (player) has not opened yet, lead time is 150 ms
    frames = hhb(trace, t0)
    assert any(s["CentreOpenRequest"] == 1 and s["State"] == HhbState.APPLYING for _, s in frames)
    assert all(s["RearBrakePressure"] == 0.0 for _, s in frames)
    dcu_opened(player)
    player.run_for(30 * MS)
    assert last(trace, "RearBrakePressure") > 0.0


def test_pressure_is_applied_after_the_lead_time_when_the_dcu_never_reports_open(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(400 * MS)
    first = trace.first("HHB_Status", lambda s: s["RearBrakePressure"] > 0.0, after_ns=t0)
    assert first is not None
    assert 150 * MS <= first.t_ns - t0 <= 200 * MS


def test_lever_spike_shorter_than_the_debounce_starts_nothing(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(10 * MS)
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(100 * MS)
    assert all(s["State"] == HhbState.OFF and s["CentreOpenRequest"] == 0 for _, s in hhb(trace, t0))


def test_lever_between_off_and_on_thresholds_neither_starts_nor_ends_an_event(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    player.set("DRV_Controls", HandbrakeLever=7.0)  # off 5 %, on 10 %
    player.run_for(100 * MS)
    assert last(trace, "State") == HhbState.OFF
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(50 * MS)
    player.set("DRV_Controls", HandbrakeLever=7.0)
    player.run_for(100 * MS)
    assert last(trace, "State") == HhbState.APPLYING
    assert last(trace, "CentreOpenRequest") == 1


def test_pressure_rises_on_the_actuator_rate_to_a_level_proportional_to_lever_travel(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    dcu_opened(player)
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=42.5)  # (42.5 - 5) / (80 - 5) = half travel
    player.run_for(300 * MS)
    series = [s["RearBrakePressure"] for _, s in hhb(trace, t0)]
    steps = [b - a for a, b in itertools.pairwise(series)]
    assert max(steps) <= 1200.0 * 0.010 + 0.1  # 1200 bar/s, 10 ms frames, 0.05 bar resolution
    assert series[-1] == pytest.approx(60.0, abs=0.1)  # half of 120 bar


def test_rear_wheels_stopped_under_pressure_report_the_axle_locked(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    assert last(trace, "RearAxleLocked") == 1
    assert last(trace, "RearBrakePressure") > 20.0


def test_rear_wheels_stopped_without_pressure_are_not_reported_locked(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    drive(player, 0.0)
    player.set("DRV_Controls", HandbrakeLever=6.0)  # under the on threshold: no event
    player.run_for(200 * MS)
    assert last(trace, "RearAxleLocked") == 0


def test_rear_wheels_turning_again_drop_the_lock_back_to_applying(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    drive(player, 35.0, rear_kph=10.0)
    player.run_for(30 * MS)
    assert last(trace, "State") == HhbState.APPLYING
    assert last(trace, "RearAxleLocked") == 0


def test_release_ramps_pressure_down_then_hands_the_coupling_back(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    t_rel = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(400 * MS)
    frames = hhb(trace, t_rel)
    releasing = [s for _, s in frames if s["State"] == HhbState.RELEASING]
    assert releasing, "RELEASING is reported"
    assert all(s["CentreOpenRequest"] == 1 for s in releasing), "centre stays open while pressure remains"
    pressures = [s["RearBrakePressure"] for _, s in frames]
    assert max(a - b for a, b in itertools.pairwise(pressures)) <= 600.0 * 0.010 + 0.1
    assert last(trace, "State") == HhbState.OFF
    assert last(trace, "RearBrakePressure") == 0.0
    assert last(trace, "CentreOpenRequest") == 0


def test_pulling_again_while_releasing_goes_back_to_applying(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    drive(player, 35.0)
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(50 * MS)
    assert last(trace, "State") == HhbState.RELEASING
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(20 * MS)
    assert last(trace, "State") == HhbState.APPLYING


def test_converter_open_and_upshift_inhibit_are_requested_only_while_active(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    assert last(trace, "ConverterOpenRequest") == 0 and last(trace, "UpshiftInhibitRequest") == 0
    pull_to_lock(player, trace)
    assert last(trace, "ConverterOpenRequest") == 1 and last(trace, "UpshiftInhibitRequest") == 1
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(500 * MS)
    assert last(trace, "ConverterOpenRequest") == 0 and last(trace, "UpshiftInhibitRequest") == 0


@pytest.mark.parametrize("lost", ["ECM_Engine", "ABS_WheelSpeeds"])
def test_no_application_while_engine_or_wheel_speed_frames_are_timed_out(rig: tuple[Player, Trace], lost: str) -> None:
    player, trace = rig
    player.mute(lost)
    player.run_for(100 * MS)
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    dcu_opened(player)
    player.run_for(300 * MS)
    assert all(s["State"] == HhbState.OFF and s["RearBrakePressure"] == 0.0 and s["CentreOpenRequest"] == 0
               for _, s in hhb(trace, t0))


def test_wheel_speeds_lost_mid_event_is_a_speed_timeout_fault_with_a_pressure_ramp(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    player.mute("ABS_WheelSpeeds")
    player.run_for(300 * MS)
    assert last(trace, "State") == HhbState.FAULT
    assert last(trace, "FaultCode") == HhbFault.SPEED_TIMEOUT
    assert last(trace, "RearBrakePressure") == 0.0


def test_pressure_is_capped_above_the_calibrated_vehicle_speed(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    drive(player, 120.0)  # cap at 90 km/h: 40 bar
    dcu_opened(player)
    player.set("DRV_Controls", HandbrakeLever=100.0)
    player.run_for(300 * MS)
    assert last(trace, "PressureCapped") == 1
    assert last(trace, "RearBrakePressure") == pytest.approx(40.0, abs=0.05)
    drive(player, 60.0)
    player.run_for(300 * MS)
    assert last(trace, "PressureCapped") == 0
    assert last(trace, "RearBrakePressure") == pytest.approx(120.0, abs=0.05)


def test_implausible_lever_reading_is_a_fault_until_the_lever_is_back_at_rest(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    dcu_opened(player)
    player.set("DRV_Controls", HandbrakeLever=150.0)  # plausible range -5..105 %
    player.run_for(200 * MS)
    assert last(trace, "State") == HhbState.FAULT
    assert last(trace, "FaultCode") == HhbFault.LEVER_IMPLAUSIBLE
    assert all(s["RearBrakePressure"] == 0.0 for _, s in hhb(trace))
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(200 * MS)
    assert last(trace, "State") == HhbState.OFF
    assert last(trace, "FaultCode") == HhbFault.NONE


def test_lever_timeout_ramps_pressure_down_and_latches_fault_until_lever_rests(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    p_locked = last(trace, "RearBrakePressure")
    t_lost = player.rig.clock.now_ns()
    player.mute("DRV_Controls")
    player.run_for(600 * MS)
    frames = hhb(trace, t_lost)
    fault_at = next(t for t, s in frames if s["State"] == HhbState.FAULT)
    assert fault_at - t_lost <= 80 * MS  # 30 ms rx timeout + 20 ms invalid + a cycle
    assert all(s["FaultCode"] == HhbFault.LEVER_TIMEOUT for t, s in frames if t >= fault_at)
    pressures = [s["RearBrakePressure"] for t, s in frames if t >= fault_at]
    assert pressures[0] > 0.5 * p_locked, "a ramp, not a drop"
    assert max(a - b for a, b in itertools.pairwise(pressures)) <= 400.0 * 0.010 + 0.1
    assert pressures[-1] == 0.0
    player.unmute("DRV_Controls")  # lever still pulled: the fault holds
    player.run_for(300 * MS)
    assert last(trace, "State") == HhbState.FAULT
    assert last(trace, "RearBrakePressure") == 0.0
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(300 * MS)
    assert last(trace, "State") == HhbState.OFF


def test_no_fault_before_the_first_lever_frame() -> None:
    with controller_rig(("HHB",)) as (_, player, trace):
        player.set("ECM_Engine", EngineSpeed=900.0)
        drive(player, 0.0)
        player.run_for(300 * MS)
        assert {s["State"] for _, s in hhb(trace)} == {HhbState.OFF}


def test_a_frame_with_a_bad_crc_never_applies_pressure(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    dcu_opened(player)
    t0 = player.rig.clock.now_ns()
    for _ in range(5):  # one pulled-lever frame in every three, each with a broken CRC
        player.set("DRV_Controls", HandbrakeLever=100.0)
        player.corrupt("DRV_Controls", frames=1)
        player.run_for(10 * MS)
        player.set("DRV_Controls", HandbrakeLever=REST)
        player.run_for(20 * MS)
    assert player.rig.health.e2e["DRV_Controls:ERROR"] == 5
    assert all(s["RearBrakePressure"] == 0.0 and s["CentreOpenRequest"] == 0 for _, s in hhb(trace, t0))
    assert last(trace, "State") == HhbState.OFF


def test_repeated_bad_crc_frames_during_an_event_are_a_lever_timeout_fault(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    player.corrupt("DRV_Controls", frames=50)
    player.run_for(100 * MS)
    assert last(trace, "State") == HhbState.FAULT
    assert last(trace, "FaultCode") == HhbFault.LEVER_TIMEOUT
    player.run_for(500 * MS)
    assert last(trace, "RearBrakePressure") == 0.0


def test_release_before_the_rear_locks_goes_straight_from_applying_to_releasing(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    dcu_opened(player)
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(80 * MS)  # pressure rising, rear wheels still turning
    assert last(trace, "State") == HhbState.APPLYING and last(trace, "RearBrakePressure") > 0.0
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(300 * MS)
    states = [int(s["State"]) for _, s in hhb(trace, t0)]
    assert states[0] == HhbState.RELEASING and states[-1] == HhbState.OFF
    assert HhbState.LOCKED not in states


@pytest.mark.parametrize("phase", ["APPLYING", "RELEASING"])
def test_implausible_lever_mid_event_is_a_fault(rig: tuple[Player, Trace], phase: str) -> None:
    player, trace = rig
    pull_to_lock(player, trace)
    if phase == "APPLYING":
        drive(player, 35.0)  # rear turning again: back to APPLYING
    else:
        player.set("DRV_Controls", HandbrakeLever=REST)
    player.run_for(30 * MS)
    assert last(trace, "State") == HhbState[phase]
    player.set("DRV_Controls", HandbrakeLever=-15.0)
    player.run_for(20 * MS)
    assert last(trace, "State") == HhbState.FAULT
    assert last(trace, "FaultCode") == HhbFault.LEVER_IMPLAUSIBLE


@pytest.mark.parametrize(("kph", "gear"), [(4.0, 1), (20.0, 9)], ids=["under the minimum speed", "in reverse"])
def test_under_the_interlocks_the_lever_is_a_plain_rear_brake(rig: tuple[Player, Trace], kph: float,
                                                              gear: int) -> None:
    player, trace = rig
    drive(player, kph)
    player.set("TCU_Status", GearActual=float(gear), GearTarget=float(gear))
    player.run_for(50 * MS)
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(150 * MS)
    frames = hhb(trace, t0)
    assert last(trace, "RearBrakePressure") > 0.0  # brakes at once, no wait for the centre
    assert all(s["CentreOpenRequest"] == 0 and s["ConverterOpenRequest"] == 0 and s["UpshiftInhibitRequest"] == 0
               for _, s in frames)


def test_over_the_minimum_speed_in_a_forward_gear_the_lever_is_a_handbrake_turn(rig: tuple[Player, Trace]) -> None:
    player, trace = rig
    drive(player, load_calibration(RALLY).values.hhb.min_speed_kph + 1.0)
    player.set("TCU_Status", GearActual=2.0, GearTarget=2.0)
    player.run_for(50 * MS)
    player.set("DRV_Controls", HandbrakeLever=ON)
    player.run_for(60 * MS)
    assert last(trace, "CentreOpenRequest") == 1 and last(trace, "ConverterOpenRequest") == 1
