"""The magic-formula tyre: force against slip, its slope, and the low-speed slip floor."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.models.plant.tyres import (
    V_SLIP_MIN_MPS,
    TyreCoefficients,
    linearised_force_sum,
    slip_denominator,
    tyre_force,
)
from hil.models.vehicle import VehicleCalibration

SURFACES = VehicleCalibration().surfaces
TARMAC = TyreCoefficients.of(SURFACES["tarmac"])
LOAD_N = 8000.0


def test_no_slip_no_force() -> None:
    assert tyre_force(TARMAC, LOAD_N, 0.0, 10.0)[0] == 0.0


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_peak_force_is_mu_times_load(surface: str) -> None:
    tyre = TyreCoefficients.of(SURFACES[surface])
    peak = max(tyre_force(tyre, LOAD_N, k / 1000.0, 10.0)[0] for k in range(1, 2000))
    assert peak == pytest.approx(SURFACES[surface].mu_peak * LOAD_N, rel=1e-3)


def test_loose_ground_peaks_at_a_larger_slip_than_tarmac() -> None:
    def slip_at_peak(tyre: TyreCoefficients) -> float:
        return max(range(1, 2000), key=lambda k: tyre_force(tyre, LOAD_N, k / 1000.0, 10.0)[0]) / 1000.0

    assert slip_at_peak(TARMAC) < 0.2 < slip_at_peak(TyreCoefficients.of(SURFACES["soft_sand"]))


@given(st.floats(-3.0, 3.0), st.sampled_from(sorted(SURFACES)))
def test_force_is_odd_in_slip_and_its_slope_never_negative(slip: float, surface: str) -> None:
    tyre = TyreCoefficients.of(SURFACES[surface])
    f_pos, slope = tyre_force(tyre, LOAD_N, slip, 5.0)
    f_neg, _ = tyre_force(tyre, LOAD_N, -slip, 5.0)
    assert f_neg == pytest.approx(-f_pos, abs=1e-9)
    assert slope >= 0.0


def test_slope_at_zero_slip_is_the_cornering_stiffness_bcd_per_slip_speed() -> None:
    den = 10.0
    _, slope = tyre_force(TARMAC, LOAD_N, 0.0, den)
    assert slope == pytest.approx(TARMAC.shape_b * TARMAC.shape_c * TARMAC.mu_peak * LOAD_N / den)


def test_slope_matches_the_force_curve() -> None:
    den, slip, eps = 8.0, 0.05, 1e-6
    f0, slope = tyre_force(TARMAC, LOAD_N, slip, den)
    f1, _ = tyre_force(TARMAC, LOAD_N, slip + eps / den, den)  # ωr raised by eps m/s
    assert slope == pytest.approx((f1 - f0) / eps, rel=1e-4)


def test_slip_is_measured_against_at_least_the_floor_speed() -> None:
    assert slip_denominator(0.0) == V_SLIP_MIN_MPS
    assert slip_denominator(-0.5) == V_SLIP_MIN_MPS
    assert slip_denominator(-12.0) == 12.0
    assert slip_denominator(30.0) == 30.0


def test_linearised_sum_adds_each_slope_times_the_speed_change() -> None:
    forces, slopes = [100.0, 200.0, -50.0, 0.0], [10.0, 0.0, 2.0, 1.0]
    start = (1.0, 1.0, 1.0, 1.0)
    assert linearised_force_sum(forces, slopes, start, start) == 250.0
    assert linearised_force_sum(forces, slopes, start, (2.0, 5.0, 0.0, 1.0)) == 250.0 + 10.0 - 2.0
    assert math.isfinite(linearised_force_sum(forces, slopes, start, (1e3,) * 4))
