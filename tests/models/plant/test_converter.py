"""The torque converter's curve and the lock-up clutch's pressure ramp."""

from __future__ import annotations

import pytest

from hil.models.driveline import DrivelineCalibration
from hil.models.plant.converter import LockupClutch, converter

K, STALL_TR, COUPLING_SR = 11.0, 1.9, 0.85


def test_at_stall_the_pump_absorbs_its_square_law_and_the_turbine_multiplies_it() -> None:
    pump, turbine = converter(300.0, 0.0, K, STALL_TR, COUPLING_SR)
    assert pump == pytest.approx((300.0 / K) ** 2)
    assert turbine == pytest.approx(STALL_TR * pump)


def test_torque_ratio_falls_linearly_to_one_at_the_coupling_point() -> None:
    pump, turbine = converter(300.0, 300.0 * COUPLING_SR / 2.0, K, STALL_TR, COUPLING_SR)
    assert turbine / pump == pytest.approx((STALL_TR + 1.0) / 2.0)
    pump, turbine = converter(300.0, 300.0 * COUPLING_SR, K, STALL_TR, COUPLING_SR)
    assert turbine / pump == pytest.approx(1.0)


def test_past_the_coupling_point_torque_falls_to_zero_at_equal_speeds() -> None:
    pump_mid, turbine_mid = converter(300.0, 300.0 * 0.925, K, STALL_TR, COUPLING_SR)
    assert pump_mid == pytest.approx((300.0 / K) ** 2 / 2.0)
    assert turbine_mid == pump_mid
    assert converter(300.0, 300.0, K, STALL_TR, COUPLING_SR) == (0.0, 0.0)


def test_overrun_drags_the_engine_with_no_multiplication() -> None:
    pump, turbine = converter(100.0, 300.0, K, STALL_TR, COUPLING_SR)
    assert pump == turbine == pytest.approx(-((300.0 / K) ** 2))


def test_a_stopped_pump_and_turbine_carry_no_torque() -> None:
    assert converter(0.0, 0.0, K, STALL_TR, COUPLING_SR) == (0.0, 0.0)


def test_lockup_capacity_ramps_to_full_over_the_calibrated_time_and_drops_when_opened() -> None:
    cal = DrivelineCalibration(lockup_capacity_nm=1400.0, lockup_ramp_ms=300.0)
    clutch = LockupClutch()
    clutch.command(True, cal, 0.1)
    assert clutch.capacity_nm == pytest.approx(1400.0 / 3.0)
    for _ in range(3):
        clutch.command(True, cal, 0.1)
    assert clutch.capacity_nm == 1400.0
    clutch.locked = True
    clutch.command(False, cal, 0.01)
    assert clutch.capacity_nm == 0.0
    assert not clutch.locked
