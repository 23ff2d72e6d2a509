"""The body: a point mass along the road under tyre forces, drag, rolling resistance and grade,
with static and longitudinal load transfer onto the axles.

Implicit in its own speed (the tyre force's slope against v is stiff). Units: SI.
"""

from __future__ import annotations

import math

from hil.models.hardware import HardwareCalibration
from hil.models.vehicle import VehicleCalibration

G = 9.81  # m/s²
LOAD_TRANSFER_TAU_S = 0.05  # pitch settles about this fast (E)
ROLL_SMOOTHING_MPS = 0.05  # rolling resistance fades in linearly below this speed (smooth at rest)


class Body:
    """Speed over ground and the filtered acceleration that moves load between the axles."""

    def __init__(self) -> None:
        self.speed_mps = 0.0  # signed, over ground
        self.accel_mps2 = 0.0  # filtered longitudinal acceleration, for load transfer
        # this node step's constants (set by `begin_step`)
        self._mass_kg = 1.0
        self._rolling_n = 0.0  # rolling resistance at full speed, all four wheels
        self._half_rho_cda = 0.0
        self._grade_n = 0.0  # weight component down the slope
        self._front_n = self._rear_n = 0.0  # static load per front / rear wheel
        self._transfer_kg_m = 0.0  # load moved per wheel per m/s² (m·h_cg / wheelbase / 2)
        self._filter = 0.0  # fraction of the way to the new acceleration per substep

    def begin_step(self, cal: VehicleCalibration, hw: HardwareCalibration, *, grade_pct: float,
                   crr: list[float], h: float, ground: float = 1.0) -> None:
        """Latch one node step's grade and the rolling-resistance coefficients under the four wheels;
        `ground` is the share of the weight on the ground (0 over a jump: no tyre load, no rolling
        resistance, and the slope no longer pushes the car along it)."""
        m = cal.mass_kg
        theta = math.atan(grade_pct / 100.0)
        mg_cos = m * G * math.cos(theta) * ground
        self._mass_kg = m
        self._grade_n = m * G * math.sin(theta) * ground
        self._half_rho_cda = 0.5 * cal.air_density_kg_m3 * cal.cda_m2
        self._front_n = mg_cos * cal.front_weight_fraction / 2.0
        self._rear_n = mg_cos * (1.0 - cal.front_weight_fraction) / 2.0
        self._transfer_kg_m = m * cal.cg_height_m / hw.wheelbase_m / 2.0
        self._rolling_n = sum(crr) / 4.0 * mg_cos
        self._filter = h / LOAD_TRANSFER_TAU_S

    def wheel_loads(self) -> tuple[float, float, float, float]:
        """Vertical load per wheel (FL, FR, RL, RR) in N; a wheel in the air carries none."""
        transfer = self._transfer_kg_m * self.accel_mps2
        front = self._front_n - transfer
        rear = self._rear_n + transfer
        front = 0.0 if front < 0.0 else front
        rear = 0.0 if rear < 0.0 else rear
        return front, front, rear, rear

    def resistance_n(self, v: float) -> float:
        """Rolling resistance (opposing motion, smooth through zero) + drag + grade, in N along +x."""
        s = ROLL_SMOOTHING_MPS
        roll = self._rolling_n * (v / s if -s < v < s else (1.0 if v > 0.0 else -1.0))
        return roll + self._half_rho_cda * v * (v if v > 0.0 else -v) + self._grade_n

    def advance(self, h: float, tyre_force_n: float, dforce_dv: float) -> None:
        """One substep, implicit in v: the tyres' force `tyre_force_n` falls by `dforce_dv` per m/s."""
        v = self.speed_mps
        m = self._mass_kg
        v_new = (m * v + h * (tyre_force_n - self.resistance_n(v) - dforce_dv * v)) / (m - h * dforce_dv)
        self.accel_mps2 += ((v_new - v) / h - self.accel_mps2) * self._filter
        self.speed_mps = v_new
