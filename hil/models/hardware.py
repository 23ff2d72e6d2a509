"""Hardware constants every model shares: gear ratios, final drive, tyres, track.

One section, so the TCU's speed predictions and the plant's kinematics can never disagree.
"""

from __future__ import annotations

import itertools

from pydantic import Field, field_validator

from hil.config.schema import Strict
from hil.config.units import GearRatio


class HardwareCalibration(Strict):
    gear_ratios: tuple[GearRatio, ...] = (5.000, 3.200, 2.143, 1.720, 1.313, 1.000, 0.823, 0.640)  # C: 3rd-gen 8HP
    reverse_ratio: float = Field(default=3.478, ge=0.3, le=8)
    final_drive: float = Field(default=4.1, ge=1, le=10)
    transfer_high_ratio: float = Field(default=1.0, ge=0.5, le=3)  # low range removed on the D7X-R
    rolling_radius_m: float = Field(default=0.43, gt=0.2, lt=0.8)
    track_m: float = Field(default=1.75, gt=1.0, lt=2.5)
    wheelbase_m: float = Field(default=3.02, gt=2.0, lt=4.0)

    @field_validator("gear_ratios")
    @classmethod
    def _ratios(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not 1 <= len(v) <= 8:
            raise ValueError(f"{len(v)} gear ratios: the gearbox has 1 to 8 forward gears")
        if any(r <= 0 for r in v):
            raise ValueError("gear ratios must be positive")
        if any(b >= a for a, b in itertools.pairwise(v)):
            raise ValueError("gear ratios must fall strictly from 1st to top gear")
        return v

    @property
    def gear_count(self) -> int:
        return len(self.gear_ratios)
