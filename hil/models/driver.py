"""Driver model: plays the stage's pedal, paddle and lever channels, or follows a target speed."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hil.config.schema import Strict
from hil.models.world import StageSource


class DriverCalibration(Strict):
    speed_kp_pct_per_kph: float = Field(default=8.0, ge=0, le=100)  # pedal % per km/h of speed error
    brake_kp_bar_per_kph: float = Field(default=4.0, ge=0, le=100)


@dataclass(frozen=True, slots=True)
class DriverInputs:
    vehicle_speed_kph: float


@dataclass(frozen=True, slots=True)
class DriverOutputs:
    accel_pct: float
    brake_bar: float
    paddle_up: bool
    paddle_down: bool
    selector: int
    handbrake_pct: float
    centre_lock: bool
    low_range: bool


class Driver:
    """Scripted driver; with a target speed it works the pedals with a proportional law."""

    def __init__(self, cal: DriverCalibration, stage: StageSource) -> None:
        self.cal = cal
        self.stage = stage

    def step(self, now_ns: int, inputs: DriverInputs) -> DriverOutputs:
        v = self.stage.value
        accel, brake = v("accel_pct", now_ns), v("brake_bar", now_ns)
        target = v("target_speed_kph", now_ns)
        if target >= 0.0:
            error = target - inputs.vehicle_speed_kph
            accel = min(100.0, max(0.0, error * self.cal.speed_kp_pct_per_kph))
            brake = min(80.0, max(0.0, -error * self.cal.brake_kp_bar_per_kph - 2.0))
        return DriverOutputs(
            accel_pct=accel,
            brake_bar=brake,
            paddle_up=v("paddle_up", now_ns) >= 0.5,
            paddle_down=v("paddle_down", now_ns) >= 0.5,
            selector=int(v("selector", now_ns)),
            handbrake_pct=v("handbrake_pct", now_ns),
            centre_lock=v("centre_lock", now_ns) >= 0.5,
            low_range=v("low_range", now_ns) >= 0.5,
        )
