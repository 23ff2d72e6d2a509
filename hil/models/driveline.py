"""Driveline: torque converter with lock-up, the 8HP's ratios and shift phases, centre and axle diffs.

`Driveline.engage` turns the TCU's bus state (gear, phase, progress) into what the plant's
inner loop needs for one node step: the ratios acting on the output, and whether the
gearbox input speed is tied to the output or pulled across by the oncoming clutch.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hil.config.schema import Strict
from hil.models.enums import Gear, ShiftPhase
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
    # E: oncoming clutch torque (at the gearbox input) available to pull the input speed across in the
    # inertia phase: ~1,500 Nm for a 100 ms 1-2 shift with no torque cut (docs/gearbox.md#inertia-phase-physics).
    oncoming_clutch_capacity_nm: float = Field(default=1600.0, ge=1, le=10000)


@dataclass(frozen=True, slots=True)
class DrivelineInputs:
    gear_actual: int  # Gear value table: 0 N, 1..8, 9 R, 10 P
    gear_target: int
    shifting: bool
    phase: int  # ShiftPhase
    progress_pct: float
    lockup: bool
    centre_nm: float  # centre coupling locking torque (torque difference front/rear prop)
    front_lock_nm: float  # front diff lock torque (torque difference left/right)
    rear_lock_nm: float


@dataclass(frozen=True, slots=True)
class Engagement:
    """What the gearbox does for one node step (ratios are gearbox input/output, signed for R)."""

    connected: bool  # a gear (or a shift between two) transmits torque
    park: bool
    ratio_old: float  # ratio the input speed is tied to (0 when not connected)
    ratio_torque: float  # ratio multiplying the input shaft torque at the output
    inertia_phase: bool  # input speed pulled by the oncoming clutch (not tied to the output)
    ratio_new: float
    progress: float  # 0..1 through the current phase


class Driveline:
    """Shift-phase bookkeeping; progress is taken as the maximum seen within a phase (monotonic)."""

    def __init__(self, cal: DrivelineCalibration, hw: HardwareCalibration) -> None:
        self.cal = cal
        self.hw = hw
        self._phase = ShiftPhase.IDLE
        self._target = -1
        self._progress = 0.0

    def ratio(self, gear: int) -> float:
        hw = self.hw
        if 1 <= gear <= hw.gear_count:
            return hw.gear_ratios[gear - 1] * hw.transfer_high_ratio
        if gear == Gear.R:
            return -hw.reverse_ratio * hw.transfer_high_ratio
        return 0.0

    def engage(self, d: DrivelineInputs) -> Engagement:
        old = self.ratio(d.gear_actual)
        new = self.ratio(d.gear_target)
        phase = d.phase if d.shifting and new != 0.0 and old != 0.0 and d.gear_target != d.gear_actual else 0
        if phase != self._phase or d.gear_target != self._target:
            self._phase, self._target, self._progress = ShiftPhase(phase), d.gear_target, 0.0
        p = max(self._progress, min(1.0, max(0.0, d.progress_pct / 100.0)))
        self._progress = p
        if old == 0.0:
            return Engagement(False, d.gear_actual == Gear.P, 0.0, 0.0, False, 0.0, 0.0)
        if phase == ShiftPhase.TORQUE:
            # load hands over from the offgoing to the oncoming clutch; input still at the old speed
            return Engagement(True, False, old, (1.0 - p) * old + p * new, False, new, p)
        if phase == ShiftPhase.INERTIA:
            return Engagement(True, False, old, new, True, new, p)
        return Engagement(True, False, old, old, False, old, 0.0)
