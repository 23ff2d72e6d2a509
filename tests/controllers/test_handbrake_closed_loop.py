"""HHB + DCU in the closed loop with the plant and TCU: handbrake turns, fail-safes, split grip, all on the bus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.models.enums import CentreMode, HhbFault, HhbState
from hil.results.trace import Trace, TraceFrame
from hil.stage.timeline import Timeline
from tests.player import MS, Player, controller_rig
from tests.support import RALLY, run_virtual

S = 1_000_000_000
PULL_S, HOLD_S = 8.0, 1.0
HHB_CAL = load_calibration(RALLY).values.hhb


def gravel_stage(name: str, duration_s: float, *, target_kph: float = 40.0) -> Timeline:
    tl = Timeline(name, int(duration_s * S))
    tl.track("target_speed_kph").set(0, target_kph)
    tl.surfaces.append((0, ("gravel",) * 4))
    return tl


def handbrake_turn(lever_pct: float = 80.0, *, target_kph: float = 40.0, lock: bool = False) -> Timeline:
    """Hold `target_kph` on gravel, pull the lever at 8 s for 1 s, drive on."""
    tl = gravel_stage("handbrake_turn", 12.0, target_kph=target_kph)
    hb = tl.track("handbrake_pct")
    hb.set(0, 0.0)
    hb.set(int(PULL_S * S), lever_pct)
    hb.set(int((PULL_S + HOLD_S) * S), 0.0)
    if lock:
        tl.track("centre_lock").set(0, 1.0)
    return tl


def at(trace: Trace, name: str, t_ns: int) -> dict[str, float]:
    return [f for f in trace.of(name) if f.t_ns <= t_ns][-1].signals


def first(trace: Trace, name: str, after_ns: int, signal: str, pred: Callable[[float], bool]) -> TraceFrame:
    f = trace.first(name, lambda s: pred(s[signal]), after_ns=after_ns)
    assert f is not None, f"{name}.{signal} never got there"
    return f


def between(trace: Trace, name: str, t0: int, t1: int) -> list[dict[str, float]]:
    return [f.signals for f in trace.of(name) if t0 <= f.t_ns <= t1]


@pytest.fixture(scope="module")
def turn() -> Trace:
    _, trace = run_virtual(handbrake_turn(), 12.0)
    return trace


def test_handbrake_pull_opens_the_centre_coupling_before_pressure_rises(turn: Trace) -> None:
    t_lever = first(turn, "DRV_Controls", 0, "HandbrakeLever", lambda v: v >= HHB_CAL.lever_on_pct).t_ns
    t_request = first(turn, "HHB_Status", t_lever - 1, "CentreOpenRequest", lambda v: v == 1).t_ns
    t_open = first(turn, "DCU_Status", t_request - 1, "CentreCouplingTorque", lambda v: v == 0).t_ns
    t_pressure = first(turn, "HHB_Status", t_lever - 1, "RearBrakePressure", lambda v: v > 0).t_ns
    assert t_lever < t_request < t_open < t_pressure
    assert at(turn, "DCU_Status", t_open)["CentreMode"] == CentreMode.HANDBRAKE_OPEN


def test_handbrake_pull_locks_the_rear_wheels_within_the_calibrated_time(turn: Trace) -> None:
    t_lever = first(turn, "DRV_Controls", 0, "HandbrakeLever", lambda v: v >= HHB_CAL.lever_on_pct).t_ns
    t_locked = first(turn, "HHB_Status", t_lever, "RearAxleLocked", lambda v: v == 1).t_ns
    assert t_locked - t_lever <= HHB_CAL.lock_within_ms * MS
    wheels = at(turn, "ABS_WheelSpeeds", t_locked)
    assert wheels["WheelSpeedRL"] < 1.0 and wheels["WheelSpeedRR"] < 1.0


def test_front_wheels_keep_driving_while_the_rear_axle_is_locked(turn: Trace) -> None:
    t_lever = int(PULL_S * S)
    t_locked = first(turn, "HHB_Status", t_lever, "RearAxleLocked", lambda v: v == 1).t_ns
    frames = [f for f in turn.of("ABS_WheelSpeeds") if t_locked + 50 * MS <= f.t_ns <= int((PULL_S + HOLD_S) * S)]
    assert frames
    for f in frames:
        w = f.signals
        front = (w["WheelSpeedFL"] + w["WheelSpeedFR"]) / 2.0
        true_kph = at(turn, "ECM_PlantSensors", f.t_ns)["TrueVehicleSpeed"]
        assert front > 25.0
        # the handbrake drags the rears only; a downshift the halved output speed asks for may pull
        # the fronts a little through its oncoming clutch (engine braking), never lock them
        assert front >= true_kph - 1.5, "front wheels are driven, not dragged by the brake"


def test_engine_never_stalls_through_the_handbrake_turn(turn: Trace) -> None:
    ecm = between(turn, "ECM_Engine", int((PULL_S - 1) * S), 12 * S)
    assert all(e["EngineStalled"] == 0 for e in ecm)
    assert min(e["EngineSpeed"] for e in ecm) > 900.0
    hhb = between(turn, "HHB_Status", int(PULL_S * S), int((PULL_S + HOLD_S) * S))
    assert any(h["ConverterOpenRequest"] == 1 and h["UpshiftInhibitRequest"] == 1 for h in hhb)


def test_release_restores_four_wheel_drive(turn: Trace) -> None:
    t_release = int((PULL_S + HOLD_S) * S)
    t_off = first(turn, "HHB_Status", t_release, "State", lambda v: v == HhbState.OFF).t_ns
    assert t_off - t_release < 500 * MS
    dcu = at(turn, "DCU_Status", t_off + 600 * MS)
    assert dcu["CentreMode"] == CentreMode.AUTO and dcu["CentreCouplingTorque"] > 50.0
    w = at(turn, "ABS_WheelSpeeds", t_release + 2 * S)
    assert abs(w["WheelSpeedRL"] - w["WheelSpeedFL"]) < 2.0
    assert w["VehicleSpeed"] > 35.0


def test_handbrake_turn_walks_every_state_in_order(turn: Trace) -> None:
    states = [int(v) for _, v in turn.series("HHB_Status", "State")]
    changes = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    assert changes[:5] == [HhbState.OFF, HhbState.APPLYING, HhbState.LOCKED, HhbState.RELEASING, HhbState.OFF]


def test_lock_switch_does_not_stop_the_handbrake_opening_the_centre() -> None:
    _, trace = run_virtual(handbrake_turn(lock=True), 10.5)
    before = at(trace, "DCU_Status", int(PULL_S * S) - 1)
    assert before["CentreMode"] == CentreMode.LOCKED and before["CentreCouplingTorque"] == 3000.0
    t_pressure = first(trace, "HHB_Status", int(PULL_S * S), "RearBrakePressure", lambda v: v > 0).t_ns
    assert at(trace, "DCU_Status", t_pressure)["CentreCouplingTorque"] == 0.0
    assert first(trace, "HHB_Status", t_pressure, "RearAxleLocked", lambda v: v == 1)
    after = at(trace, "DCU_Status", int((PULL_S + HOLD_S + 1.0) * S))
    assert after["CentreMode"] == CentreMode.LOCKED and after["CentreCouplingTorque"] == 3000.0


def test_pressure_is_capped_when_the_handbrake_is_pulled_above_the_speed_cap() -> None:
    tl = gravel_stage("fast_pull", 14.0, target_kph=110.0)
    tl.surfaces[0] = (0, ("tarmac",) * 4)
    hb = tl.track("handbrake_pct")
    hb.set(0, 0.0)
    hb.set(12 * S, 100.0)
    _, trace = run_virtual(tl, 13.0)
    assert at(trace, "ABS_WheelSpeeds", 12 * S)["VehicleSpeed"] > HHB_CAL.speed_cap_kph
    hhb = between(trace, "HHB_Status", 12 * S, 13 * S)
    assert max(h["RearBrakePressure"] for h in hhb) == pytest.approx(HHB_CAL.capped_pressure_bar, abs=0.05)
    assert hhb[-1]["PressureCapped"] == 1


def test_low_range_request_is_refused_while_driving() -> None:
    tl = gravel_stage("low_range", 6.0)
    tl.track("low_range").set(3 * S, 1.0)
    _, trace = run_virtual(tl, 6.0)
    assert at(trace, "DCU_Status", 6 * S)["LowRangeRejected"] == 1
    assert all(d["TransferRange"] == 0 for d in between(trace, "DCU_Status", 0, 6 * S))
    assert at(trace, "ABS_WheelSpeeds", 6 * S)["VehicleSpeed"] > 35.0


# ---- split grip: one rear wheel on soft sand ---------------------------------------------


def split_grip_launch() -> Timeline:
    tl = Timeline("split_grip", 4 * S)
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(500 * MS, 100.0)
    tl.surfaces.append((0, ("gravel", "gravel", "gravel", "soft_sand")))
    return tl


@pytest.fixture(scope="module")
def open_rear_calibration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = RALLY.read_text()
    lsd = "preload_nm = 120.0\npower_ratio = 0.5\ncoast_ratio = 0.3"
    assert lsd in text, "the rally [dcu.rear] LSD block moved; update this test"
    path = tmp_path_factory.mktemp("cal") / "rally_open_rear.toml"
    path.write_text(text.replace(lsd, "preload_nm = 0.0\npower_ratio = 0.0\ncoast_ratio = 0.0"))
    return path


def test_rear_lsd_lock_torque_follows_axle_input_torque_on_split_grip() -> None:
    _, trace = run_virtual(split_grip_launch(), 4.0)
    for f in trace.of("DCU_Status")[150:]:
        ecm = at(trace, "ECM_Engine", f.t_ns)
        tcu = at(trace, "TCU_Status", f.t_ns)
        if int(tcu["GearActual"]) != 1:
            continue
        axle = max(0.0, ecm["EngineTorque"]) * 5.0 * 4.1 * 0.5
        assert f.signals["RearDiffLockTorque"] == pytest.approx(120.0 + 0.5 * axle, abs=2.0)


def test_rear_lsd_keeps_the_soft_sand_wheel_from_spinning_away(open_rear_calibration: Path) -> None:
    _, lsd = run_virtual(split_grip_launch(), 4.0)
    _, open_ = run_virtual(split_grip_launch(), 4.0, calibration=open_rear_calibration)
    t = 3 * S
    w_lsd, w_open = at(lsd, "ABS_WheelSpeeds", t), at(open_, "ABS_WheelSpeeds", t)
    assert abs(w_lsd["WheelSpeedRR"] - w_lsd["WheelSpeedRL"]) < 1.0, "LSD holds both rear wheels together"
    assert w_open["WheelSpeedRR"] - w_open["WheelSpeedRL"] > 3.0, "open diff: the sand wheel spins"
    assert w_lsd["VehicleSpeed"] > w_open["VehicleSpeed"] + 2.0, "the grippy wheel drives"


# ---- fail-safes with the real plant: the player stands in for the driver -----------------


@pytest.fixture
def driven() -> Iterator[tuple[Player, Trace]]:
    """Car, TCU, HHB and DCU emulated; the player is the driver (DRV_Controls) on gravel."""
    stage = gravel_stage("player_driver", 600.0)
    with controller_rig(("ECM", "ABS", "TCU", "HHB", "DCU"), stage=stage) as (_, player, trace):
        player.set("DRV_Controls", Selector=3.0, AccelPedal=25.0, HandbrakeLever=0.0)
        player.run_for(5 * S)
        yield player, trace


def test_lever_timeout_with_the_rear_locked_releases_on_a_ramp_and_restores_drive(driven: tuple[Player, Trace]) -> None:
    player, trace = driven
    player.set("DRV_Controls", HandbrakeLever=80.0)
    player.run_for(500 * MS)
    assert at(trace, "HHB_Status", player.rig.clock.now_ns())["RearAxleLocked"] == 1
    t_lost = player.rig.clock.now_ns()
    player.mute("DRV_Controls")
    player.run_for(1500 * MS)
    hhb = between(trace, "HHB_Status", t_lost, player.rig.clock.now_ns())
    faulted = [h for h in hhb if h["State"] == HhbState.FAULT]
    assert faulted and all(h["FaultCode"] == HhbFault.LEVER_TIMEOUT for h in faulted)
    assert hhb[-1]["RearBrakePressure"] == 0.0 and hhb[-1]["CentreOpenRequest"] == 0
    w = at(trace, "ABS_WheelSpeeds", player.rig.clock.now_ns())
    assert w["WheelSpeedRL"] > 5.0, "rear wheels turn again"


def test_bad_crc_lever_frames_never_apply_pressure_in_the_closed_loop(driven: tuple[Player, Trace]) -> None:
    player, trace = driven
    t0 = player.rig.clock.now_ns()
    player.set("DRV_Controls", HandbrakeLever=100.0)
    player.corrupt("DRV_Controls", frames=100, byte=6)  # the lever byte itself, CRC no longer matches
    player.run_for(1000 * MS)
    hhb = between(trace, "HHB_Status", t0, player.rig.clock.now_ns())
    assert all(h["RearBrakePressure"] == 0.0 for h in hhb)
    assert hhb[-1]["State"] == HhbState.FAULT and hhb[-1]["FaultCode"] == HhbFault.LEVER_TIMEOUT
    assert player.rig.health.e2e["DRV_Controls:ERROR"] == 100
