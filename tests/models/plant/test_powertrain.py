"""Crank and gearbox input: free revving, the converter and lock-up, the inertia-phase clutch."""

from __future__ import annotations

import pytest

from hil.models.driveline import DrivelineCalibration, Engagement
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.plant.converter import converter
from hil.models.plant.powertrain import NEUTRAL, Powertrain

ECAL = EngineCalibration()
DCAL = DrivelineCalibration()
H = 0.002
FIRST = Engagement(True, False, 5.0, 5.0, False, 5.0, 0.0)


def powertrain(eng: Engagement, *, pedal: float = 0.0, lockup: bool = False, output: float = 0.0,
               dcal: DrivelineCalibration = DCAL) -> Powertrain:
    p = Powertrain(Engine(ECAL), ECAL.idle_rpm)
    p.engine.command(pedal, 1e9, 0, 0.0, False)
    p.begin_step(eng, lockup_closed=lockup, dt_s=1.0 if lockup else 0.01, output_radps=output, ecal=ECAL,
                 dcal=dcal, h=H, n_sub=5)
    return p


def test_in_neutral_engine_torque_spins_the_crank_up_freely() -> None:
    p = powertrain(NEUTRAL, pedal=100.0)
    crank = p.crank_radps
    assert p.substep(0.0) == (0.0, 0.0)
    assert p.torque_nm > 0.0
    assert p.crank_radps == pytest.approx(crank + H * p.torque_nm / ECAL.inertia_kgm2)


def test_in_gear_the_open_converter_drives_the_output_through_the_ratio() -> None:
    p = powertrain(FIRST, output=20.0)
    p.crank_radps = 200.0
    output_nm, inertia = p.substep(20.0)
    _, turbine = converter(200.0, 100.0, DCAL.converter_k_factor, DCAL.converter_stall_torque_ratio,
                           DCAL.converter_coupling_speed_ratio)
    assert p.input_radps == 100.0  # tied to the output by 1st gear
    assert output_nm == pytest.approx(turbine * 5.0 * DCAL.gearbox_efficiency * DCAL.axle_efficiency)
    assert inertia == pytest.approx(DCAL.input_inertia_kgm2 * 25.0)


def test_the_lockup_clutch_sticks_once_crank_and_turbine_speeds_meet() -> None:
    p = powertrain(FIRST, lockup=True, output=40.0)
    p.crank_radps = 201.0
    p.substep(40.0)
    assert p.lockup.locked
    assert p.crank_radps == 200.0
    _, inertia = p.substep(40.0)
    assert inertia == pytest.approx((ECAL.inertia_kgm2 + DCAL.input_inertia_kgm2) * 25.0)
    p.end_step(40.0)
    assert p.crank_radps == 200.0


def test_in_the_inertia_phase_a_strong_clutch_brings_the_input_to_the_new_gear_on_time() -> None:
    shift = Engagement(True, False, 5.0, 3.2, True, 3.2, 1.0)
    p = powertrain(shift, output=60.0)
    p.crank_radps = 300.0
    for _ in range(5):
        p.substep(60.0)
    assert p.input_radps == pytest.approx(3.2 * 60.0)


def test_a_weak_oncoming_clutch_leaves_the_input_short_of_the_new_gear() -> None:
    shift = Engagement(True, False, 5.0, 3.2, True, 3.2, 1.0)
    p = powertrain(shift, output=60.0, dcal=DCAL.override(oncoming_clutch_capacity_nm=20.0))
    p.crank_radps = 300.0
    for _ in range(5):
        p.substep(60.0)
    assert p.input_radps > 3.2 * 60.0 + 10.0


def test_a_stalled_engine_restarts_at_idle_in_neutral_only() -> None:
    p = powertrain(FIRST)
    p.engine.stalled = True
    p.crank_radps = 0.0
    p.restart_if_stalled(1, ECAL.idle_rpm)
    assert p.engine.stalled
    p.restart_if_stalled(Gear.N, ECAL.idle_rpm)
    assert not p.engine.stalled
    assert p.crank_radps * RPM == pytest.approx(ECAL.idle_rpm)
