"""Tyres: longitudinal force from slip with a magic-formula curve per surface, and its slope.

The driveline solve is linearly implicit in the wheel speeds, so each tyre gives its force and
the force's slope at the start of a substep. Units: N, m/s, rad/s.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from hil.models.vehicle import SurfaceCalibration

# Slip is (ωr - v) / max(|v|, V_SLIP_MIN): below this speed slip becomes a stiff spring-damper,
# which holds a braked car on a grade instead of dividing by zero (standard low-speed fix).
V_SLIP_MIN_MPS = 1.0


class TyreCoefficients(NamedTuple):
    """One surface's magic-formula constants (D = μ·Fz), with the two products the slope needs."""

    mu_peak: float
    shape_b: float
    shape_c: float
    shape_e: float
    b_times_1_minus_e: float  # B·(1 − E)
    e_times_b: float  # E·B

    @classmethod
    def of(cls, surface: SurfaceCalibration) -> TyreCoefficients:
        b, e = surface.shape_b, surface.shape_e
        return cls(surface.mu_peak, b, surface.shape_c, e, b * (1.0 - e), e * b)


def slip_denominator(speed_mps: float) -> float:
    """max(|v|, V_SLIP_MIN_MPS): the speed that slip is measured against."""
    if speed_mps > V_SLIP_MIN_MPS:
        return speed_mps
    return -speed_mps if speed_mps < -V_SLIP_MIN_MPS else V_SLIP_MIN_MPS


def tyre_force(tyre: TyreCoefficients, load_n: float, slip: float, slip_denominator_mps: float,
               ) -> tuple[float, float]:
    """Longitudinal force (N) at `slip` and vertical load `load_n`, and the force's slope with
    respect to the tyre's surface speed ωr (N per m/s, never negative: the implicit solve needs
    a damper, not an anti-damper, past the peak)."""
    mu, b, c, e, b_1_e, e_b = tyre
    bk = b * slip
    phi = bk - e * (bk - math.atan(bk))
    ang = c * math.atan(phi)
    mu_load = mu * load_n
    force = mu_load * math.sin(ang)
    slope = (mu_load * math.cos(ang) * c / (1.0 + phi * phi) * (b_1_e + e_b / (1.0 + bk * bk))
             / slip_denominator_mps)
    return force, (0.0 if slope < 0.0 else slope)


def linearised_force_sum(force_n: list[float], dforce_dw: list[float], w_start: tuple[float, ...],
                         w_end: tuple[float, ...]) -> float:
    """The four tyres' force at the solved wheel speeds `w_end`, linearised about `w_start`."""
    return (force_n[0] + dforce_dw[0] * (w_end[0] - w_start[0]) + force_n[1] + dforce_dw[1] * (w_end[1] - w_start[1])
            + force_n[2] + dforce_dw[2] * (w_end[2] - w_start[2]) + force_n[3] + dforce_dw[3] * (w_end[3] - w_start[3]))
