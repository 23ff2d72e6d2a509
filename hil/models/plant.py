"""PROVISIONAL plant (ECM + ABS + world): one-mass car that integrates speed from torque.

Stands in until the full engine/driveline/vehicle models land. Honest but simple: a flat
torque curve with a power cap, the TCU's gear and torque limit, brakes, drag and rolling
resistance; all four wheels turn at vehicle speed except rears stopped by the handbrake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hil.config.schema import Strict
from hil.models.hardware import HardwareCalibration

G = 9.81
RHO = 1.2


class PlantCalibration(Strict):
    mass_kg: float = 3200.0
    idle_rpm: float = 650.0
    limiter_rpm: float = 7000.0
    max_torque_nm: float = 750.0
    max_power_kw: float = 290.0
    cda_m2: float = 1.45
    crr: float = 0.015
    brake_nm_per_bar: float = 40.0
    driveline_efficiency: float = 0.9


@dataclass(frozen=True, slots=True)
class PlantInputs:
    accel_pct: float
    brake_bar: float
    rear_brake_bar: float
    gear: int  # 0 = neutral, 1..8
    torque_limit_nm: float
    grade_pct: float


@dataclass(frozen=True, slots=True)
class PlantOutputs:
    engine_rpm: float
    engine_torque_nm: float
    engine_torque_max_nm: float
    intervention_active: bool
    wheel_kph: tuple[float, float, float, float]
    vehicle_kph: float


class Plant:
    def __init__(self, cal: PlantCalibration, hw: HardwareCalibration) -> None:
        self.cal = cal
        self.hw = hw
        self.v_mps = 0.0
        self.engine_rpm = cal.idle_rpm

    def step(self, dt_s: float, inputs: PlantInputs) -> PlantOutputs:
        c, hw = self.cal, self.hw
        ratio = hw.gear_ratios[inputs.gear - 1] * hw.final_drive if 1 <= inputs.gear <= hw.gear_count else 0.0
        wheel_rpm = self.v_mps / hw.rolling_radius_m * 60.0 / (2 * math.pi)
        self.engine_rpm = max(c.idle_rpm, wheel_rpm * ratio) if ratio else c.idle_rpm
        omega = self.engine_rpm * 2 * math.pi / 60.0
        t_max = min(c.max_torque_nm, c.max_power_kw * 1000.0 / max(omega, 1.0))
        if self.engine_rpm >= c.limiter_rpm:
            t_max = 0.0
        demand = t_max * inputs.accel_pct / 100.0
        torque = min(demand, inputs.torque_limit_nm)
        force = torque * ratio * c.driveline_efficiency / hw.rolling_radius_m
        brake_nm = (inputs.brake_bar + inputs.rear_brake_bar) * c.brake_nm_per_bar
        resist = c.crr * c.mass_kg * G + 0.5 * RHO * c.cda_m2 * self.v_mps**2
        resist += c.mass_kg * G * math.sin(math.atan(inputs.grade_pct / 100.0))
        resist += brake_nm / hw.rolling_radius_m if self.v_mps > 0.05 else 0.0
        self.v_mps = max(0.0, self.v_mps + (force - resist) / c.mass_kg * dt_s)
        kph = self.v_mps * 3.6
        rear = 0.0 if inputs.rear_brake_bar > 20.0 else kph
        return PlantOutputs(
            engine_rpm=self.engine_rpm,
            engine_torque_nm=torque,
            engine_torque_max_nm=t_max,
            intervention_active=inputs.torque_limit_nm < demand,
            wheel_kph=(kph, kph, rear, rear),
            vehicle_kph=kph,
        )
