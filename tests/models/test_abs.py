"""The ABS/ESC unit alone: reference speed from wheel speeds, anti-lock modulation per axle, the
handbrake's rear inhibit, and traction control."""

from __future__ import annotations

import pytest

from hil.models.abs import NO_LIMIT_NM, Abs, AbsCalibration, AbsInputs, AxleModulator, TractionControl
from hil.models.vehicle import VehicleCalibration

CAL = AbsCalibration()
TC = VehicleCalibration().traction()
MS = 1_000_000


def unit(reference_kph: float) -> Abs:
    a = Abs(CAL, TC)
    a.reference_kph = reference_kph
    return a


def braking(wheels: tuple[float, float, float, float], *, bar: float = 80.0, accel: float = -6.0,
            handbrake: bool = False) -> AbsInputs:
    return AbsInputs(wheels, bar, handbrake, 750.0, accel)


def test_four_locked_wheels_leave_the_reference_falling_as_the_accelerometer_says() -> None:
    a = unit(80.0)
    for k in range(1, 51):
        out = a.step(k * 10 * MS, braking((0.0,) * 4, accel=-6.0))
    # 0.5 s at 6 m/s² plus the 0.5 m/s² margin, not down to the locked wheels
    assert out.reference_kph == pytest.approx(80.0 - (6.0 + CAL.reference_margin_mps2) * 3.6 * 0.5, abs=0.01)


def test_braking_a_wheel_spinning_back_up_lifts_the_reference_at_once() -> None:
    a = unit(40.0)
    a.step(0, braking((20.0,) * 4))
    out = a.step(10 * MS, braking((44.0, 20.0, 20.0, 20.0)))
    assert out.reference_kph == pytest.approx(40.0 - 6.5 * 3.6 * 0.01 + CAL.reference_accel_mps2 * 3.6 * 0.01)


def test_driving_the_slowest_wheel_caps_the_reference_and_spin_is_bridged() -> None:
    a = unit(50.0)
    out = a.step(0, AbsInputs((70.0, 70.0, 70.0, 70.0), 0.0, False, 750.0, 3.0))
    assert out.reference_kph == pytest.approx(50.0 + (3.0 + CAL.reference_margin_mps2) * 3.6 * 0.01)
    before = out.reference_kph
    out = a.step(10 * MS, AbsInputs((30.0, 70.0, 70.0, 70.0), 0.0, False, 750.0, 3.0))
    assert out.reference_kph == pytest.approx(before - CAL.reference_decel_mps2 * 3.6 * 0.01)  # as fast as a car can


def test_a_slipping_axle_dumps_then_holds_then_reapplies_never_above_the_driver() -> None:
    m = AxleModulator()
    dt = 0.01
    assert m.step(CAL, dt, 80.0, 0.0, True) == 80.0  # no cycle: the driver's pressure at once
    assert m.step(CAL, dt, 80.0, CAL.slip_release + 0.05, True) == pytest.approx(80.0 - CAL.dump_bar_per_s * dt)
    held = m.bar
    assert m.step(CAL, dt, 80.0, (CAL.slip_target + CAL.slip_release) / 2, True) == held
    assert m.step(CAL, dt, 80.0, 0.0, True) == pytest.approx(held + CAL.apply_bar_per_s * dt)
    for _ in range(100):
        m.step(CAL, dt, 80.0, 0.0, True)
    assert m.bar == 80.0 and not m.active


def test_locking_wheels_get_less_pressure_per_axle() -> None:
    a = unit(60.0)
    out = a.step(0, braking((59.0, 59.0, 20.0, 20.0)))
    assert out.front_brake_bar == 80.0  # the fronts roll
    assert out.rear_brake_bar < 80.0  # the rears slip: their axle dumps
    assert out.abs_active


def test_the_handbrake_inhibits_the_rear_abs_only() -> None:
    a = unit(60.0)
    out = a.step(0, braking((20.0, 20.0, 0.0, 0.0), handbrake=True))
    assert out.rear_brake_bar == 80.0  # the rears may lock under the handbrake
    assert out.front_brake_bar < 80.0


def test_below_the_minimum_speed_the_brakes_are_plain() -> None:
    a = unit(CAL.min_speed_kph - 1.0)
    out = a.step(0, braking((0.0,) * 4, accel=0.0))
    assert (out.front_brake_bar, out.rear_brake_bar) == (80.0, 80.0)


def test_wheelspin_past_the_target_lowers_the_torque_ceiling_in_proportion() -> None:
    tc = TractionControl()
    excess_kph = 5.0
    wheel = 36.0 * (1.0 + TC.slip_target) + TC.slip_offset_kph + excess_kph
    assert tc.step(TC, 0.01, 36.0, wheel, 750.0) == pytest.approx(750.0 - TC.gain_nm_per_kph * excess_kph)


def test_traction_control_never_drops_below_its_floor_and_recovers_at_its_rate() -> None:
    tc = TractionControl()
    low = tc.step(TC, 0.01, 36.0, 200.0, 750.0)
    assert low == pytest.approx(TC.floor * 750.0)
    assert tc.step(TC, 0.01, 36.0, 36.0, 750.0) == pytest.approx(low + TC.recover_nm_per_s * 0.01)


def test_no_wheelspin_no_ceiling_and_a_zero_target_switches_traction_control_off() -> None:
    assert TractionControl().step(TC, 0.01, 36.0, 36.0, 750.0) == NO_LIMIT_NM
    off = VehicleCalibration(traction_slip_target=0.0).traction()
    assert TractionControl().step(off, 0.01, 36.0, 200.0, 750.0) == NO_LIMIT_NM
