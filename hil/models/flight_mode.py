"""Flight Mode (the rally ECM's team software): airborne, cap the engine torque so the driveline
survives the landing (docs/gearbox.md#torque-intervention).

Airborne is what the ECM can see: the driven wheels speeding up fast and running past the ABS
reference speed while the body does not accelerate — the wheels have no load (a wheelspin start
accelerates the car; a car in the air does not). The cap holds until the wheels are back at the
reference speed (landed, gripping) for `flight_exit_ms`.
"""

from __future__ import annotations

from hil.models.engine import EngineCalibration

KPH = 3.6
NO_LIMIT_NM = 1e9
_NS_PER_MS = 1_000_000
_LANDED_FRACTION = 0.05  # wheels within 5 % of the reference speed count as on the ground
_SPIN_MARGIN_KPH = 2.0  # wheel-sensor noise at crawling speed is not a flight


class FlightMode:
    """Detection and the torque cap; one step per 10 ms with the ABS's wheel and reference speeds."""

    def __init__(self) -> None:
        self.active = False
        self._prev: tuple[int, float] | None = None  # (t, mean wheel speed km/h)
        self._rising_since: int | None = None
        self._landed_since: int | None = None

    def step(self, now_ns: int, cal: EngineCalibration, wheel_kph: tuple[float, float, float, float],
             reference_kph: float, body_accel_mps2: float) -> float:
        """This step's torque cap (NO_LIMIT_NM when not flying or not enabled)."""
        mean = sum(wheel_kph) / 4.0
        prev, self._prev = self._prev, (now_ns, mean)
        if not cal.flight_mode or prev is None or now_ns <= prev[0]:
            self.active = False
            return NO_LIMIT_NM
        accel_mps2 = (mean - prev[1]) / KPH / ((now_ns - prev[0]) / 1e9)
        spinning = mean > reference_kph * (1.0 + cal.flight_overspeed_fraction) + _SPIN_MARGIN_KPH
        if not self.active:
            unloaded = body_accel_mps2 < cal.flight_body_accel_mps2
            rising = accel_mps2 > cal.flight_wheel_accel_mps2 and spinning and unloaded
            self._rising_since = _since(self._rising_since, now_ns) if rising else None
            if self._rising_since is not None and now_ns - self._rising_since >= cal.flight_confirm_ms * _NS_PER_MS:
                self.active, self._landed_since = True, None
        else:
            landed = abs(mean - reference_kph) <= _LANDED_FRACTION * max(reference_kph, 1.0)
            self._landed_since = _since(self._landed_since, now_ns) if landed else None
            if self._landed_since is not None and now_ns - self._landed_since >= cal.flight_exit_ms * _NS_PER_MS:
                self.active, self._rising_since = False, None
        return cal.flight_torque_nm if self.active else NO_LIMIT_NM


def _since(start_ns: int | None, now_ns: int) -> int:
    """When a condition that holds now began (now, if it did not hold at the last step)."""
    return now_ns if start_ns is None else start_ns
