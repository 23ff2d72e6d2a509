"""Engine (ECM): twin-turbo 4.4 V8 full-load curve, idle, limiter, first-order torque, cut and blip.

Torque per substep from floats (the plant's hot loop calls `torque`; the crank speed is the
plant's, as the crank is coupled to the converter). Speeds in rad/s inside.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.config.units import Rpm, TorqueNm
from hil.models.enums import Intervention

RPM = 30.0 / math.pi  # rad/s -> rpm
_TABLE_STEP_RPM = 25.0
_TABLE_TOP_RPM = 9000.0


class EngineCalibration(Strict):
    # Full-load curve below the power cap: 750 Nm plateau from 1,800 rpm (C: BMW S63);
    # the low-speed points are E (turbo spool-up).
    curve_rpm: tuple[Rpm, ...] = (650.0, 1000.0, 1500.0, 1800.0, 7200.0)
    curve_nm: tuple[TorqueNm, ...] = (350.0, 450.0, 650.0, 750.0, 750.0)
    max_power_kw: float = Field(default=290.0, ge=10, le=1500)  # R: ~390 bhp with the FIA restrictor
    launch_torque_nm: float = Field(default=750.0, ge=1, le=1000)  # plateau while launching (road: 800, R)
    launch_below_kph: float = Field(default=0.0, ge=0, le=100)  # launch plateau applies below this speed
    idle_rpm: float = Field(default=650.0, gt=300, le=2000)  # E
    limiter_rpm: float = Field(default=7000.0, gt=3000, le=8800)  # C/E: 6,800-7,200
    limiter_hysteresis_rpm: float = Field(default=150.0, ge=1, le=1000)
    stall_rpm: float = Field(default=300.0, ge=50, le=1000)  # E
    inertia_kgm2: float = Field(default=0.25, ge=0.02, le=5)  # E: engine + pump (CarSim big SUV 0.38 incl. more)
    torque_rise_ms: float = Field(default=120.0, ge=1, le=5000)  # E: turbo/throttle first-order lag
    torque_fall_ms: float = Field(default=40.0, ge=1, le=5000)  # E: throttle close
    # E: ignition cut acts "in a few ms" (docs/gearbox.md#torque-intervention)
    cut_ms: float = Field(default=8.0, ge=1, le=1000)
    drag_nm: float = Field(default=25.0, ge=0, le=500)  # E: friction and pumping (closed throttle) at idle
    drag_nm_per_krpm: float = Field(default=12.0, ge=0, le=100)  # E
    idle_gain_nm_per_rpm: float = Field(default=1.0, ge=0, le=20)  # E: idle speed controller
    blip_gain_nm_per_rpm: float = Field(default=1.0, ge=0, le=20)  # E: rev-match controller, proportional...
    # Flight Mode (rally team software, R): airborne -> torque cap until landed (docs/gearbox.md#torque-intervention)
    flight_mode: bool = False
    flight_wheel_accel_mps2: float = Field(default=20.0, ge=1, le=500)  # E: wheels speeding up this fast...
    flight_overspeed_fraction: float = Field(default=0.1, ge=0, le=2)  # ...and this far past the reference...
    flight_body_accel_mps2: float = Field(default=2.0, ge=0, le=20)  # ...with the body gaining less than this...
    flight_confirm_ms: float = Field(default=20.0, ge=0, le=500)  # ...for this long: airborne
    flight_torque_nm: float = Field(default=150.0, ge=0, le=2000)  # E: the cap in the air
    flight_exit_ms: float = Field(default=150.0, ge=0, le=5000)  # E: back at the reference this long: landed
    blip_integral_nm_per_rpm_s: float = Field(default=20.0, ge=0, le=500)  # E: ...and integral (holds under load)

    @model_validator(mode="after")
    def _curve(self) -> EngineCalibration:
        if len(self.curve_rpm) != len(self.curve_nm) or len(self.curve_rpm) < 2:
            raise ValueError("curve_rpm and curve_nm need the same length (at least 2 points)")
        if any(b <= a for a, b in zip(self.curve_rpm, self.curve_rpm[1:], strict=False)):
            raise ValueError("curve_rpm must rise strictly")
        if self.limiter_rpm <= self.idle_rpm:
            raise ValueError("limiter_rpm must be above idle_rpm")
        return self


def _interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
    return ys[-1]


def full_load_nm(cal: EngineCalibration, rpm: float, launch: bool = False) -> float:
    """Full-load torque at `rpm`: the curve (scaled to the launch plateau if launching), power-capped."""
    t = _interp(rpm, cal.curve_rpm, cal.curve_nm)
    if launch:
        t *= cal.launch_torque_nm / max(cal.curve_nm)
    if rpm > 1.0:
        t = min(t, cal.max_power_kw * 1000.0 / (rpm / RPM))
    return t


class Engine:
    """Torque state and the ECM's logic; the crank speed belongs to the plant (it is coupled)."""

    def __init__(self, cal: EngineCalibration) -> None:
        self.cal = cal
        self.torque_nm = 0.0
        self.stalled = False
        self.on_limiter = False
        self.intervention_active = False
        self.torque_max_nm = 0.0
        self._derive()

    def set_calibration(self, cal: EngineCalibration) -> None:
        """A live calibration write: new curve and time constants, torque state kept."""
        self.cal = cal
        self._derive()

    def _derive(self) -> None:
        cal = self.cal
        n = int(_TABLE_TOP_RPM / _TABLE_STEP_RPM) + 2
        self._table = [full_load_nm(cal, i * _TABLE_STEP_RPM) for i in range(n)]
        self._table_launch = [full_load_nm(cal, i * _TABLE_STEP_RPM, True) for i in range(n)]
        self._k_rise = 1000.0 / cal.torque_rise_ms
        self._k_fall = 1000.0 / cal.torque_fall_ms
        self._k_cut = 1000.0 / cal.cut_ms
        self._idle = cal.idle_rpm / RPM
        self._limiter = cal.limiter_rpm / RPM
        self._limiter_off = (cal.limiter_rpm - cal.limiter_hysteresis_rpm) / RPM
        self._stall = cal.stall_rpm / RPM
        self._idle_gain = cal.idle_gain_nm_per_rpm * RPM
        self._blip_gain = cal.blip_gain_nm_per_rpm * RPM
        self._blip_ki = cal.blip_integral_nm_per_rpm_s * RPM
        self._blip_integral = 0.0
        self._drag0 = cal.drag_nm
        self._drag1 = cal.drag_nm_per_krpm * RPM / 1000.0
        # per node step commands (set by `command`)
        self._pedal = 0.0
        self._limit = 1e9
        self._cut = False
        self._blip = -1.0
        self._launch = False

    def command(self, accel_pct: float, torque_limit_nm: float, intervention: int,
                blip_target_rpm: float, launch: bool) -> None:
        """Latch this node step's pedal and TCU request (held through the substeps)."""
        self._pedal = max(0.0, min(accel_pct, 100.0)) / 100.0
        self._limit = torque_limit_nm
        self._cut = intervention == Intervention.UPSHIFT_CUT
        self._blip = blip_target_rpm / RPM if intervention == Intervention.DOWNSHIFT_BLIP else -1.0
        if self._blip <= 0.0:
            self._blip_integral = 0.0
        self._launch = launch

    def torque(self, h: float, omega: float) -> float:
        """Advance the torque state by `h` seconds at crank speed `omega` (rad/s); net crank torque."""
        if self.stalled:
            self.torque_nm = 0.0
            return -self._drag0 if omega > 1.0 else 0.0  # a stopped engine's friction
        if omega < self._stall:
            self.stalled = True
            self.torque_nm = 0.0
            return 0.0
        i = int(omega * RPM / _TABLE_STEP_RPM)
        table = self._table_launch if self._launch else self._table
        t_max = table[i] if i < len(table) else table[-1]
        self.torque_max_nm = t_max
        # torques are net crank torques: the full-load curve is net, a closed throttle gives -drag
        drag = self._drag0 + self._drag1 * omega
        pedal = self._pedal
        demand = pedal * t_max - (1.0 - pedal) * drag
        if self._blip > 0.0:
            # rev-match: the ECM takes over from the pedal and holds the new gear's speed (throttle
            # blip below it, torque cut above it) while the ratio changes (docs/gearbox.md#torque-intervention)
            error = max(self._blip, self._idle) - omega
            self._blip_integral = max(-drag, min(t_max, self._blip_integral + self._blip_ki * error * h))
            demand = min(t_max, self._blip_gain * error + self._blip_integral)
        if omega < self._idle:  # idle controller: hold idle against the converter load (a blip too)
            demand = max(demand, min(t_max, self._idle_gain * (self._idle - omega)))
        if omega > self._limiter:
            self.on_limiter = True
        elif omega < self._limiter_off:
            self.on_limiter = False
        if self.on_limiter:
            demand = -drag
        limited = max(min(demand, self._limit), -drag)
        self.intervention_active = (self._cut and limited < demand) or self._blip > 0.0
        cur = self.torque_nm
        # cuts, ceilings (TCU, ESC, Flight Mode), the limiter and the rev-match take torque away by
        # ignition retard: fast; the pedal closes the throttle: slower
        fast = self._cut or self.on_limiter or self._blip > 0.0 or limited < demand
        k = self._k_rise if limited >= cur else self._k_cut if fast else self._k_fall
        a = k * h
        cur += (limited - cur) * (a if a < 1.0 else 1.0)
        self.torque_nm = cur
        return cur

    def restart(self) -> None:
        """The starter (selector in N/P after a stall)."""
        self.stalled = False

