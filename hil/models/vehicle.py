"""Vehicle body and tyres: mass, drag, grade, rolling resistance and a Pacejka-like slip curve per surface.

Pure functions and constants the plant's inner loop uses; `Vehicle.step` is the same physics
for one body step on its own (tests, tools). Units: SI, speeds in m/s, forces in N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.models.world import SURFACES

G = 9.81
# Slip is (ωr - v) / max(|v|, V_SLIP_MIN): below this speed slip becomes a stiff spring-damper,
# which holds a braked car on a grade instead of dividing by zero (standard low-speed fix).
V_SLIP_MIN_MPS = 1.0


class SurfaceCalibration(Strict):
    """One ground type: peak friction, rolling resistance and the magic-formula shape (B, C, E)."""

    mu_peak: float = Field(gt=0, le=2)
    crr: float = Field(ge=0, lt=1)
    shape_b: float = Field(gt=0, le=50)
    shape_c: float = Field(gt=1, lt=2)
    shape_e: float = Field(ge=-10, le=1)


def _surfaces() -> dict[str, SurfaceCalibration]:
    # docs/vehicle.md#surfaces (E); tarmac shape from the simple Pacejka set B 10, C 1.9, E 0.97;
    # loose ground peaks later (κ ≈ 0.15–0.3) and falls off less (lower C).
    s = SurfaceCalibration
    return {
        "tarmac": s(mu_peak=0.95, crr=0.015, shape_b=10.0, shape_c=1.9, shape_e=0.97),
        "gravel": s(mu_peak=0.65, crr=0.03, shape_b=7.0, shape_c=1.5, shape_e=0.3),
        "hard_sand": s(mu_peak=0.5, crr=0.10, shape_b=6.0, shape_c=1.4, shape_e=0.2),
        "soft_sand": s(mu_peak=0.42, crr=0.25, shape_b=4.0, shape_c=1.3, shape_e=0.0),
        "mud": s(mu_peak=0.45, crr=0.12, shape_b=5.0, shape_c=1.4, shape_e=0.2),
    }


class VehicleCalibration(Strict):
    mass_kg: float = Field(default=3200.0, gt=500, lt=10000)
    cda_m2: float = Field(default=1.45, gt=0, le=10)
    air_density_kg_m3: float = Field(default=1.2, gt=0.5, lt=1.5)
    cg_height_m: float = Field(default=0.75, gt=0.2, lt=2.0)
    front_weight_fraction: float = Field(default=0.52, gt=0.2, lt=0.8)
    wheel_inertia_kgm2: float = Field(default=2.4, gt=0.1, le=20)
    front_brake_nm_per_bar: float = Field(default=45.0, ge=0, le=500)
    rear_brake_nm_per_bar: float = Field(default=30.0, ge=0, le=500)
    handbrake_nm_per_bar: float = Field(default=40.0, ge=0, le=500)
    # ESC traction control (the ABS/ESC node the plant emulates): engine torque ceiling that
    # holds the fastest wheel's slip near the target; 0 switches it off (E, typical TC targets)
    traction_slip_target: float = Field(default=0.12, ge=0, le=1)
    traction_slip_offset_kph: float = Field(default=2.0, ge=0, le=50)
    traction_gain_nm_per_kph: float = Field(default=40.0, ge=0, le=1000)
    traction_floor: float = Field(default=0.3, ge=0, le=1)  # TC never asks for less than this x full load
    traction_recover_nm_per_s: float = Field(default=8000.0, gt=0, le=1000000)
    surfaces: dict[str, SurfaceCalibration] = Field(default_factory=_surfaces)

    @model_validator(mode="after")
    def _all_surfaces(self) -> VehicleCalibration:
        missing = [s for s in SURFACES if s not in self.surfaces]
        if missing:
            raise ValueError(f"surfaces missing: {', '.join(missing)}")
        unknown = [s for s in self.surfaces if s not in SURFACES]
        if unknown:
            raise ValueError(f"unknown surfaces: {', '.join(unknown)} (known: {', '.join(SURFACES)})")
        return self


def tyre_force(kappa: float, b: float, c: float, e: float) -> tuple[float, float]:
    """Normalised longitudinal force f(κ) in [-1, 1] and its slope df/dκ (magic formula, D = 1)."""
    bk = b * kappa
    phi = bk - e * (bk - math.atan(bk))
    ang = c * math.atan(phi)
    dphi = b * (1.0 - e) + e * b / (1.0 + bk * bk)
    return math.sin(ang), math.cos(ang) * c / (1.0 + phi * phi) * dphi


@dataclass(frozen=True, slots=True)
class VehicleInputs:
    tyre_force_n: float  # sum of the four tyres' longitudinal forces
    grade_pct: float
    crr: float  # weighted rolling-resistance coefficient under the four wheels


@dataclass(frozen=True, slots=True)
class VehicleOutputs:
    speed_mps: float
    accel_mps2: float


def resistance_n(cal: VehicleCalibration, v_mps: float, grade_pct: float, crr: float) -> float:
    """Drag + rolling resistance (opposing motion, smooth through zero) + grade, in N along +x."""
    theta = math.atan(grade_pct / 100.0)
    mg = cal.mass_kg * G
    roll = crr * mg * math.cos(theta) * max(-1.0, min(1.0, v_mps / 0.05))
    aero = 0.5 * cal.air_density_kg_m3 * cal.cda_m2 * v_mps * abs(v_mps)
    return roll + aero + mg * math.sin(theta)


class Vehicle:
    """The body alone (point mass along the road); the plant integrates it with the wheels."""

    def __init__(self, cal: VehicleCalibration) -> None:
        self.cal = cal
        self.speed_mps = 0.0

    def step(self, dt_s: float, inputs: VehicleInputs) -> VehicleOutputs:
        resist = resistance_n(self.cal, self.speed_mps, inputs.grade_pct, inputs.crr)
        a = (inputs.tyre_force_n - resist) / self.cal.mass_kg
        self.speed_mps += a * dt_s
        return VehicleOutputs(self.speed_mps, a)
