"""The TCU's view of the car's speed: gearbox output speed from the four wheel speeds, its
filtered acceleration, and how far the output runs on before a power-on upshift's ratio moves."""

from __future__ import annotations

import math

from hil.models.hardware import HardwareCalibration

_RPM_PER_RAD_S = 60.0 / (2.0 * math.pi)
_ACCEL_TAU_S = 0.1  # output acceleration filter: wheel-speed quantisation is 0.25 km/h
_MAX_ACCEL_MPS2 = 9.81  # 1 g: the most a car on tyres gains, for upshift anticipation


class OutputSpeed:
    """Output speed (rpm) = final drive x the mean of the axles' wheel speeds (50/50 centre diff)."""

    def __init__(self) -> None:
        self.rpm = 0.0
        self.accel_rpm_s = 0.0  # filtered d(output speed)/dt
        self.kph = 0.0  # mean wheel speed
        self._last_ns: int | None = None

    def update(self, now_ns: int, wheel_kph: tuple[float, float, float, float], hw: HardwareCalibration) -> None:
        fl, fr, rl, rr = wheel_kph
        front, rear = (fl + fr) / 2.0, (rl + rr) / 2.0
        self.kph = (front + rear) / 2.0
        axle_rpm = self.kph / 3.6 / hw.rolling_radius_m * _RPM_PER_RAD_S
        output = axle_rpm * hw.final_drive * hw.transfer_high_ratio
        if self._last_ns is not None and now_ns > self._last_ns:
            dt_s = (now_ns - self._last_ns) / 1e9
            raw = (output - self.rpm) / dt_s
            self.accel_rpm_s += dt_s / (_ACCEL_TAU_S + dt_s) * (raw - self.accel_rpm_s)
        self._last_ns = now_ns
        self.rpm = output

    def lead_rpm(self, dead_s: float, hw: HardwareCalibration) -> float:
        """Output speed gained over `dead_s`: no car gains speed faster than its tyres allow, so a
        wheelspin burst is not acceleration."""
        max_accel = _MAX_ACCEL_MPS2 / hw.rolling_radius_m * _RPM_PER_RAD_S * hw.final_drive
        return min(max(0.0, self.accel_rpm_s), max_accel) * dead_s
