"""ESC traction control: an engine torque ceiling against wheelspin, released at a calibrated rate."""

from __future__ import annotations

import pytest

from hil.models.plant.traction import NO_LIMIT_NM, TractionControl
from hil.models.vehicle import VehicleCalibration

CAL = VehicleCalibration(traction_slip_target=0.1, traction_slip_offset_kph=2.0, traction_gain_nm_per_kph=40.0,
                         traction_floor=0.3, traction_recover_nm_per_s=8000.0)
T_MAX = 750.0


def test_no_wheelspin_no_ceiling() -> None:
    assert TractionControl().step(CAL, 0.01, 10.0, 36.0 * 1.1, T_MAX) == NO_LIMIT_NM


def test_wheelspin_past_the_target_lowers_the_ceiling_in_proportion() -> None:
    tc = TractionControl()
    excess_kph = 5.0
    wheel = 36.0 * 1.1 + 2.0 + excess_kph
    assert tc.step(CAL, 0.01, 10.0, wheel, T_MAX) == pytest.approx(T_MAX - 40.0 * excess_kph)


def test_the_ceiling_never_drops_below_the_floor() -> None:
    assert TractionControl().step(CAL, 0.01, 10.0, 200.0, T_MAX) == pytest.approx(0.3 * T_MAX)


def test_once_grip_returns_the_ceiling_rises_at_the_recovery_rate() -> None:
    tc = TractionControl()
    low = tc.step(CAL, 0.01, 10.0, 200.0, T_MAX)
    assert tc.step(CAL, 0.01, 10.0, 36.0, T_MAX) == pytest.approx(low + 8000.0 * 0.01)


def test_a_zero_slip_target_switches_it_off() -> None:
    off = CAL.override(traction_slip_target=0.0)
    assert TractionControl().step(off, 0.01, 10.0, 200.0, T_MAX) == NO_LIMIT_NM
