"""Vehicle calibration: body, brakes, traction control and the ground types under the tyres.

The physics that uses it lives in `hil.models.plant` (tyres.py, body.py, traction.py).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.models.abs import AbsCalibration, TractionCalibration
from hil.models.world import SURFACES


class SurfaceCalibration(Strict):
    """One ground type: peak friction, rolling resistance and the magic-formula shape (B, C, E)."""

    mu_peak: float = Field(ge=0.05, le=2)
    crr: float = Field(ge=0, lt=1)
    shape_b: float = Field(ge=0.1, le=50)
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
    cda_m2: float = Field(default=1.45, ge=0.1, le=10)
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
    traction_recover_nm_per_s: float = Field(default=8000.0, ge=1, le=1000000)
    abs: AbsCalibration = AbsCalibration()  # anti-lock brakes and the reference speed ([vehicle.abs])
    surfaces: dict[str, SurfaceCalibration] = Field(default_factory=_surfaces)

    def traction(self) -> TractionCalibration:
        return TractionCalibration(self.traction_slip_target, self.traction_slip_offset_kph,
                                   self.traction_gain_nm_per_kph, self.traction_floor, self.traction_recover_nm_per_s)

    @model_validator(mode="after")
    def _all_surfaces(self) -> VehicleCalibration:
        missing = [s for s in SURFACES if s not in self.surfaces]
        if missing:
            raise ValueError(f"surfaces missing: {', '.join(missing)}")
        unknown = [s for s in self.surfaces if s not in SURFACES]
        if unknown:
            raise ValueError(f"unknown surfaces: {', '.join(unknown)} (known: {', '.join(SURFACES)})")
        return self

