"""Driveline calibration and inputs: converter, lock-up and shift clutches, gearbox, props and diffs.

The physics lives in `hil.models.plant` (converter.py, gearbox.py, diff_solve.py); the plant
reads the gear, the two shift clutches' commanded pressures and the diff lock torques from the bus.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hil.config.schema import Strict
from hil.models.enums import Gear
from hil.models.hardware import HardwareCalibration


class DrivelineCalibration(Strict):
    converter_k_factor: float = Field(default=11.0, gt=1, le=50)  # E: rad/s per sqrt(Nm), docs/gearbox.md
    converter_stall_torque_ratio: float = Field(default=1.9, ge=1, le=3)  # E: 1.8-2.0
    converter_coupling_speed_ratio: float = Field(default=0.85, gt=0.5, lt=1)  # E
    lockup_capacity_nm: float = Field(default=1400.0, ge=1, le=10000)  # E: lock-up clutch torque while slipping
    lockup_ramp_ms: float = Field(default=300.0, ge=1, le=10000)  # E: lock-up pressure ramp, 0 -> capacity
    input_inertia_kgm2: float = Field(default=0.06, ge=0.005, le=2)  # E: turbine + gearbox (CarSim 0.015 x 2 + gears)
    gearbox_efficiency: float = Field(default=0.98, gt=0.5, le=1)  # C: 0.98-0.99 per gear (ZF 8HP)
    axle_efficiency: float = Field(default=0.96, gt=0.5, le=1)  # C: docs/vehicle.md#longitudinal-plant
    propshaft_inertia_kgm2: float = Field(default=0.05, ge=0, le=2)  # E: per prop, incl. diff carrier
    # E: a shift clutch's torque capacity (referred to the gearbox input) per bar above its return
    # spring: ~1,500 Nm at 13 bar pulls a 1-2 shift through in ~100 ms with no torque cut
    # (docs/gearbox.md#inertia-phase-physics); line pressure gives twice the engine's torque.
    shift_clutch_nm_per_bar: float = Field(default=120.0, ge=1, le=1000)
    shift_clutch_return_bar: float = Field(default=1.0, ge=0, le=5)  # E: piston return spring: no torque below


@dataclass(frozen=True, slots=True)
class DrivelineInputs:
    gear_actual: int  # Gear value table: 0 N, 1..8, 9 R, 10 P; its shift element is the "offgoing" one
    gear_target: int  # a shift's new gear (= gear_actual when none): the "oncoming" element
    offgoing_bar: float  # commanded pressure of gear_actual's shift element
    oncoming_bar: float  # commanded pressure of gear_target's shift element
    lockup: bool
    centre_nm: float  # centre coupling locking torque (torque difference front/rear prop)
    front_lock_nm: float  # front diff lock torque (torque difference left/right)
    rear_lock_nm: float


def converter_torque_ratio(speed_ratio: float, stall_tr: float, coupling_sr: float) -> float:
    """Turbine/pump torque of the open converter at a turbine/pump `speed_ratio`: `stall_tr` at
    stall, falling linearly to 1.0 at the coupling point, 1.0 above it (docs/gearbox.md#converter-and-lock-up)."""
    if speed_ratio >= coupling_sr:
        return 1.0
    return stall_tr + (1.0 - stall_tr) * max(0.0, speed_ratio) / coupling_sr


def gear_ratio(gear: int, hw: HardwareCalibration) -> float:
    """Gearbox input/output speed ratio of `gear` (signed: negative in R; 0 in N and P)."""
    if 1 <= gear <= hw.gear_count:
        return hw.gear_ratios[gear - 1] * hw.transfer_high_ratio
    if gear == Gear.R:
        return -hw.reverse_ratio * hw.transfer_high_ratio
    return 0.0
