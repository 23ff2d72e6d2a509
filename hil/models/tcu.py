"""PROVISIONAL TCU: upshifts at a fixed engine speed, downshifts at another, fixed shift time.

Stands in until the shift-speed software model lands; phases are timed fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.config.schema import Strict


class TcuCalibration(Strict):
    gear_count: int = 8
    upshift_rpm: float = 6200.0
    downshift_rpm: float = 1800.0
    shift_time_ms: float = 250.0
    cut_torque_nm: float = 200.0


@dataclass(frozen=True, slots=True)
class TcuInputs:
    engine_rpm: float
    vehicle_kph: float


@dataclass(frozen=True, slots=True)
class TcuOutputs:
    gear_actual: int
    gear_target: int
    phase: int  # 0 IDLE 1 FILL 2 TORQUE 3 INERTIA
    progress_pct: float
    torque_limit_nm: float
    intervention: int
    shift_event: tuple[int, int, int] | None  # (from, to, shift time ms)


class Tcu:
    def __init__(self, cal: TcuCalibration) -> None:
        self.cal = cal
        self.gear = 1
        self.target = 1
        self.shift_start_ns: int | None = None

    def step(self, now_ns: int, inputs: TcuInputs) -> TcuOutputs:
        c = self.cal
        event = None
        if self.shift_start_ns is None:
            if inputs.engine_rpm > c.upshift_rpm and self.gear < c.gear_count:
                self.target, self.shift_start_ns = self.gear + 1, now_ns
            elif inputs.engine_rpm < c.downshift_rpm and self.gear > 1 and inputs.vehicle_kph > 1.0:
                self.target, self.shift_start_ns = self.gear - 1, now_ns
        phase, progress, limit, kind = 0, 0.0, 2047.5, 0
        if self.shift_start_ns is not None:
            frac = (now_ns - self.shift_start_ns) / (c.shift_time_ms * 1e6)
            if frac >= 1.0:
                event = (self.gear, self.target, round((now_ns - self.shift_start_ns) / 1e6))
                self.gear, self.shift_start_ns = self.target, None
            else:
                phase = 1 if frac < 0.3 else 2 if frac < 0.5 else 3
                progress = 100.0 * ((frac * 10) % 1.0)
                if phase == 3 and self.target > self.gear:
                    limit, kind = c.cut_torque_nm, 1
        return TcuOutputs(self.gear, self.target, phase, progress, limit, kind, event)
