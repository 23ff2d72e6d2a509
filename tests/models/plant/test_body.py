"""The body: resistance, grade, load transfer and the implicit speed update."""

from __future__ import annotations

import math

import pytest

from hil.models.hardware import HardwareCalibration
from hil.models.plant.body import Body, G
from hil.models.vehicle import VehicleCalibration

CAL = VehicleCalibration()
HW = HardwareCalibration()
H = 0.002


def body(grade_pct: float = 0.0, crr: float = 0.03, speed_mps: float = 0.0) -> Body:
    b = Body()
    b.begin_step(CAL, HW, grade_pct=grade_pct, crr=[crr] * 4, h=H)
    b.speed_mps = speed_mps
    return b


def test_a_car_at_rest_on_the_flat_stays_at_rest() -> None:
    b = body()
    for _ in range(500):
        b.advance(H, 0.0, 0.0)
    assert b.speed_mps == 0.0


def test_coasting_decelerates_by_drag_plus_rolling_resistance() -> None:
    v = 30.0
    b = body(speed_mps=v)
    b.advance(H, 0.0, 0.0)
    drag = 0.5 * CAL.air_density_kg_m3 * CAL.cda_m2 * v * v
    rolling = 0.03 * CAL.mass_kg * G
    assert (b.speed_mps - v) / H == pytest.approx(-(drag + rolling) / CAL.mass_kg)


def test_on_a_grade_the_weight_component_pulls_the_car_downhill() -> None:
    b = body(grade_pct=20.0, crr=0.0)
    b.advance(H, 0.0, 0.0)
    assert b.speed_mps / H == pytest.approx(-G * math.sin(math.atan(0.2)))


def test_rolling_resistance_fades_in_through_zero_speed() -> None:
    b = body(crr=0.1)
    assert b.resistance_n(0.0) == 0.0
    assert b.resistance_n(0.025) == pytest.approx(0.5 * 0.1 * CAL.mass_kg * G, rel=1e-3)
    assert b.resistance_n(-1.0) < 0.0


def test_static_loads_split_by_the_weight_fraction_and_acceleration_moves_load_rearwards() -> None:
    b = body()
    fl, fr, rl, rr = b.wheel_loads()
    assert fl == fr and rl == rr
    assert (fl + fr) / (fl + fr + rl + rr) == pytest.approx(CAL.front_weight_fraction)
    assert fl + fr + rl + rr == pytest.approx(CAL.mass_kg * G)
    b.accel_mps2 = 5.0
    fl2, _, rl2, _ = b.wheel_loads()
    moved = CAL.mass_kg * 5.0 * CAL.cg_height_m / HW.wheelbase_m / 2.0
    assert fl2 == pytest.approx(fl - moved)
    assert rl2 == pytest.approx(rl + moved)


def test_a_wheel_lifted_by_load_transfer_carries_no_negative_load() -> None:
    b = body()
    b.accel_mps2 = 100.0
    assert b.wheel_loads()[0] == 0.0


def test_the_implicit_update_stays_stable_with_a_stiff_tyre_slope() -> None:
    # a slope of 1e7 N per m/s with 2 ms steps is far past the explicit limit m/h
    b = body(speed_mps=10.0, crr=0.0)
    for _ in range(50):
        b.advance(H, -1e7 * (b.speed_mps - 10.0), -1e7)
    assert b.speed_mps == pytest.approx(10.0, abs=0.01)


def test_acceleration_for_load_transfer_follows_a_first_order_filter() -> None:
    b = body(crr=0.0)
    force = CAL.mass_kg * 4.0
    b.advance(H, force, 0.0)
    assert b.accel_mps2 == pytest.approx(4.0 * H / 0.05, rel=1e-3)
