"""Torque converter and its lock-up clutch: how engine torque reaches the gearbox input shaft.

Speeds in rad/s, torques in Nm. Pure functions and a two-field state, no allocation per call.
"""

from __future__ import annotations

from hil.models.driveline import DrivelineCalibration, converter_torque_ratio


def converter(omega_pump: float, omega_turbine: float, k_factor: float, stall_tr: float,
              coupling_sr: float) -> tuple[float, float]:
    """(pump torque, turbine torque) in Nm of an open converter.

    Pump torque (ω/K)² up to the coupling point, then falling to zero at speed ratio 1;
    torque ratio falls linearly from `stall_tr` at stall to 1.0 at the coupling point.
    Overrun (turbine faster) mirrors it with a torque ratio of 1.
    """
    if omega_pump >= omega_turbine:
        if omega_pump <= 1e-6:
            return 0.0, 0.0
        sr = omega_turbine / omega_pump if omega_turbine > 0.0 else 0.0
        base = omega_pump / k_factor
        pump = base * base
        if sr > coupling_sr:
            return pump * (1.0 - sr) / (1.0 - coupling_sr), pump * (1.0 - sr) / (1.0 - coupling_sr)
        return pump, pump * converter_torque_ratio(sr, stall_tr, coupling_sr)
    sr = omega_pump / omega_turbine if omega_pump > 0.0 else 0.0
    base = omega_turbine / k_factor
    pump = -base * base
    if sr > coupling_sr:
        pump *= (1.0 - sr) / (1.0 - coupling_sr)
    return pump, pump


class LockupClutch:
    """The converter's lock-up clutch: capacity ramps in while commanded closed, and the clutch
    sticks (crank speed = turbine speed) once the two speeds meet."""

    def __init__(self) -> None:
        self.capacity_nm = 0.0  # torque it can carry while slipping, now
        self.locked = False  # stuck: the converter is bypassed

    def command(self, closed: bool, cal: DrivelineCalibration, dt_s: float) -> None:
        """One node step of the TCU's lock-up command."""
        if closed:
            # the pressure ramps in: a slammed lock-up would stall the engine
            self.capacity_nm = min(cal.lockup_capacity_nm, self.capacity_nm + cal.lockup_capacity_nm * dt_s
                                   * 1000.0 / cal.lockup_ramp_ms)
        else:
            self.capacity_nm = 0.0
            self.locked = False
