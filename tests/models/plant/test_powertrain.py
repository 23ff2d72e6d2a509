"""Crank to gearbox output: free revving, the converter and lock-up, and the restart."""

from __future__ import annotations

import pytest

from hil.models.driveline import DrivelineCalibration
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.plant.converter import converter
from hil.models.plant.powertrain import Powertrain

ECAL = EngineCalibration()
DCAL = DrivelineCalibration()
H = 0.002
ETA = DCAL.gearbox_efficiency * DCAL.axle_efficiency


def powertrain(ratio: float, *, pedal: float = 0.0, lockup: bool = False, line_bar: float = 18.0) -> Powertrain:
    p = Powertrain(Engine(ECAL), ECAL.idle_rpm)
    p.engine.command(pedal, 1e9, 0, 0.0, False)
    p.begin_step(ratio_actual=ratio, ratio_target=ratio, offgoing_bar=line_bar, oncoming_bar=0.0,
                 lockup_closed=lockup, dt_s=1.0 if lockup else 0.01, ecal=ECAL, dcal=DCAL, h=H)
    return p


def tie_first_gear(p: Powertrain, output: float) -> None:
    """A closed 1st-gear element holding the input at 5 x output (as after its first substeps)."""
    p.gearbox.input_radps = 5.0 * output
    p.gearbox.offgoing.stuck = True


def test_in_neutral_engine_torque_spins_the_crank_up_freely() -> None:
    p = powertrain(0.0, pedal=100.0)
    crank = p.crank_radps
    assert p.substep(0.0) == (0.0, 0.0)
    assert p.torque_nm > 0.0
    assert p.crank_radps == pytest.approx(crank + H * p.torque_nm / ECAL.inertia_kgm2)


def test_in_gear_the_open_converter_drives_the_output_through_the_ratio() -> None:
    p = powertrain(5.0)
    tie_first_gear(p, 20.0)
    p.crank_radps = 200.0
    output_nm, inertia = p.substep(20.0)
    _, turbine = converter(200.0, 100.0, DCAL.converter_k_factor, DCAL.converter_stall_torque_ratio,
                           DCAL.converter_coupling_speed_ratio)
    assert output_nm == pytest.approx(turbine * 5.0 * ETA)
    assert inertia == pytest.approx(DCAL.input_inertia_kgm2 * 25.0)
    p.after_substep(20.0)
    assert p.input_radps == 100.0  # still tied to the output by 1st gear


def test_a_newly_engaged_gear_catches_the_turbine_within_a_substep() -> None:
    p = powertrain(5.0)
    p.gearbox.input_radps = 60.0  # turbine spinning in N, output stopped: a garage shift to 1st
    p.substep(0.0)
    p.after_substep(0.0)
    assert p.gearbox.offgoing.stuck
    assert p.input_radps == 0.0


def test_the_lockup_clutch_sticks_once_crank_and_turbine_speeds_meet() -> None:
    p = powertrain(5.0, lockup=True)
    tie_first_gear(p, 40.0)
    p.crank_radps = 201.0
    p.substep(40.0)
    assert p.lockup.locked
    assert p.crank_radps == 200.0
    _, inertia = p.substep(40.0)
    assert inertia == pytest.approx((ECAL.inertia_kgm2 + DCAL.input_inertia_kgm2) * 25.0)
    p.after_substep(41.0)
    assert p.crank_radps == pytest.approx(205.0)  # the crank goes with the input


def test_a_stalled_engine_restarts_at_idle_in_neutral_only() -> None:
    p = powertrain(5.0)
    p.engine.stalled = True
    p.crank_radps = 0.0
    p.restart_if_stalled(1, ECAL.idle_rpm)
    assert p.engine.stalled
    p.restart_if_stalled(Gear.N, ECAL.idle_rpm)
    assert not p.engine.stalled
    assert p.crank_radps * RPM == pytest.approx(ECAL.idle_rpm)
