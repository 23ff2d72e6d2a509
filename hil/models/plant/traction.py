"""ESC traction control (the ABS/ESC unit the plant node emulates): an engine torque ceiling that
holds the fastest wheel's slip near a target, once per node step."""

from __future__ import annotations

from hil.models.vehicle import VehicleCalibration

KPH = 3.6
NO_LIMIT_NM = 1e9


class TractionControl:
    """Proportional on the slip excess, released at a limited rate like an ESC's torque request."""

    def __init__(self) -> None:
        self.limit_nm = NO_LIMIT_NM

    def step(self, cal: VehicleCalibration, dt_s: float, speed_mps: float, fastest_wheel_kph: float,
             torque_max_nm: float) -> float:
        """This node step's engine torque ceiling (NO_LIMIT_NM when switched off)."""
        if cal.traction_slip_target <= 0.0:
            return NO_LIMIT_NM
        v_kph = abs(speed_mps) * KPH
        excess = fastest_wheel_kph - v_kph * (1.0 + cal.traction_slip_target) - cal.traction_slip_offset_kph
        target = torque_max_nm - cal.traction_gain_nm_per_kph * excess if excess > 0.0 else NO_LIMIT_NM
        target = max(target, cal.traction_floor * torque_max_nm)
        if target < self.limit_nm:
            self.limit_nm = target
        else:
            self.limit_nm = min(target, max(self.limit_nm, 0.0) + cal.traction_recover_nm_per_s * dt_s)
        return self.limit_nm
