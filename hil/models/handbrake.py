"""PROVISIONAL hydraulic handbrake: lever past a threshold opens the centre, then applies pressure."""

from __future__ import annotations

from dataclasses import dataclass

from hil.config.schema import Strict


class HhbCalibration(Strict):
    lever_on_pct: float = 10.0
    max_pressure_bar: float = 120.0


@dataclass(frozen=True, slots=True)
class HhbInputs:
    lever_pct: float
    rear_kph: float
    centre_open: bool


@dataclass(frozen=True, slots=True)
class HhbOutputs:
    state: int  # 0 OFF 1 APPLYING 2 LOCKED
    pressure_bar: float
    centre_open_request: bool
    rear_locked: bool


class Hhb:
    def __init__(self, cal: HhbCalibration) -> None:
        self.cal = cal

    def step(self, now_ns: int, inputs: HhbInputs) -> HhbOutputs:
        active = inputs.lever_pct > self.cal.lever_on_pct
        apply = active and inputs.centre_open
        pressure = self.cal.max_pressure_bar * min(inputs.lever_pct, 100.0) / 100.0 if apply else 0.0
        locked = active and pressure > 0.0 and inputs.rear_kph < 0.5
        return HhbOutputs(2 if locked else 1 if active else 0, pressure, active, locked)
