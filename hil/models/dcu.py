"""Driveline control unit (DCU): centre coupling, front/rear axle diffs, transfer box (HIGH only).

The centre clutch is closed-loop and opens for the handbrake; the axle diffs are mechanical LSDs on
the rally car or, on the road car, an active rear diff (why and which figures: docs/differentials.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.models.driveline import DrivelineCalibration, converter_torque_ratio
from hil.models.enums import CentreMode
from hil.models.hardware import HardwareCalibration

_NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000
# hardware, not a calibration value: the 50/50 bevel centre diff (docs/differentials.md#centre-coupling)
CENTRE_FRONT_SHARE = 0.5
MAX_REPORTED_NM = 4095.0  # DCU_Status lock-torque signals are 12 bit, 1 Nm/bit


class CentreCalibration(Strict):
    preload_grip_nm: float = Field(default=60.0, ge=0, le=MAX_REPORTED_NM)  # little wind-up in tight turns on grip
    preload_loose_nm: float = Field(default=350.0, ge=0, le=MAX_REPORTED_NM)  # gravel/sand: keep both axles pulling
    loose_slip_lo_pct: float = Field(default=3.0, ge=0, le=100)  # filtered wheel slip where "loose" begins...
    loose_slip_hi_pct: float = Field(default=10.0, ge=0.1, le=100)  # ...and is full
    slip_filter_ms: float = Field(default=500.0, ge=1, le=60000)
    kp_nm_per_kph: float = Field(default=120.0, ge=0, le=10000)  # on |front - rear| axle speed difference
    ki_nm_per_kph_s: float = Field(default=200.0, ge=0, le=10000)
    integral_max_nm: float = Field(default=800.0, ge=0, le=MAX_REPORTED_NM)
    deadband_kph: float = Field(default=1.0, ge=0, le=50)  # speed difference allowed for cornering
    accel_ff_nm_per_pct: float = Field(default=4.0, ge=0, le=100)  # launch/throttle feed-forward
    auto_max_nm: float = Field(default=1500.0, ge=1, le=MAX_REPORTED_NM)
    locked_nm: float = Field(default=3000.0, ge=1, le=MAX_REPORTED_NM)  # LOCK switch: full lock
    slew_nm_per_s: float = Field(default=15000.0, ge=1, le=1000000)  # motor: open -> full in 200 ms
    handbrake_open_ms: float = Field(default=60.0, ge=1, le=200)  # torque reaches 0 within this
    handbrake_reclose_ms: float = Field(default=300.0, ge=200, le=500)  # E: docs/handbrake.md, step 5

    @model_validator(mode="after")
    def _consistent(self) -> CentreCalibration:
        if self.loose_slip_hi_pct <= self.loose_slip_lo_pct:
            raise ValueError("loose_slip_hi_pct must be above loose_slip_lo_pct")
        if self.auto_max_nm > self.locked_nm:
            raise ValueError("auto_max_nm must not exceed locked_nm")
        return self


class LsdCalibration(Strict):
    """Mechanical plate LSD: lock = preload + ratio x |axle input torque| (power or coast ramp)."""

    kind: Literal["lsd"] = "lsd"
    preload_nm: float = Field(default=100.0, ge=0, le=MAX_REPORTED_NM)
    power_ratio: float = Field(default=0.5, ge=0, le=1)
    coast_ratio: float = Field(default=0.3, ge=0, le=1)
    max_lock_nm: float = Field(default=4000.0, ge=1, le=MAX_REPORTED_NM)


class ActiveDiffCalibration(Strict):
    """Motor-actuated locking diff (road OCTA rear): PI on wheel-speed difference + torque feed-forward."""

    kind: Literal["active"] = "active"
    deadband_kph: float = Field(default=2.0, ge=0, le=50)  # no yaw rate on CAN: a cornering allowance
    kp_nm_per_kph: float = Field(default=150.0, ge=0, le=10000)
    ki_nm_per_kph_s: float = Field(default=300.0, ge=0, le=10000)
    torque_ff_ratio: float = Field(default=0.1, ge=0, le=1)  # share of axle input torque as base lock
    max_lock_nm: float = Field(default=2500.0, ge=1, le=MAX_REPORTED_NM)
    full_travel_ms: float = Field(default=150.0, ge=100, le=250)  # motor open -> full


AxleCalibration = Annotated[LsdCalibration | ActiveDiffCalibration, Field(discriminator="kind")]


class DcuCalibration(Strict):
    centre: CentreCalibration = CentreCalibration()
    front: AxleCalibration = LsdCalibration(preload_nm=80.0, power_ratio=0.35, coast_ratio=0.2)
    rear: AxleCalibration = LsdCalibration()


@dataclass(frozen=True, slots=True)
class DcuInputs:
    lock_switch: bool
    centre_open_request: bool  # from HHB_Status
    low_range_request: bool
    accel_pct: float
    wheel_kph: tuple[float, float, float, float] | None  # FL FR RL RR; None when ABS is lost
    vehicle_kph: float
    engine_torque_nm: float  # 0 when ECM is lost
    gear: int  # TCU_Status.GearActual (0 N, 1..8, 9 R, 10 P)
    engine_rpm: float = 0.0
    turbine_rpm: float | None = None  # None: unknown (the converter counts as coupled)
    lockup: bool = True  # TCU_Status.ConverterLockup


@dataclass(frozen=True, slots=True)
class DcuOutputs:
    mode: CentreMode
    centre_nm: float
    front_lock_nm: float
    rear_lock_nm: float
    low_range_rejected: bool


class _Pi:
    """PI on a speed excess, anti-windup by clamping the integral."""

    def __init__(self, kp: float, ki: float, i_max: float) -> None:
        self.kp, self.ki, self.i_max = kp, ki, i_max
        self.integral = 0.0

    def step(self, error: float, dt_s: float) -> float:
        self.integral = min(self.i_max, max(0.0, self.integral + self.ki * error * dt_s))
        return self.kp * max(0.0, error) + self.integral

    def reset(self) -> None:
        self.integral = 0.0


def _slew(current: float, target: float, rate_per_s: float, dt_s: float) -> float:
    step = rate_per_s * dt_s
    return min(target, current + step) if target > current else max(target, current - step)


class _ActiveDiff:
    """Motor-actuated clutch: lock request = torque feed-forward + PI on the wheel-speed excess."""

    def __init__(self, cal: ActiveDiffCalibration) -> None:
        self.cal = cal
        self.pi = _Pi(cal.kp_nm_per_kph, cal.ki_nm_per_kph_s, cal.max_lock_nm)
        self.lock_nm = 0.0

    def step(self, axle_in_nm: float, wheels: tuple[float, float] | None, dt_s: float) -> float:
        c = self.cal
        target = c.torque_ff_ratio * max(0.0, axle_in_nm)
        if wheels is not None:
            target += self.pi.step(abs(wheels[0] - wheels[1]) - c.deadband_kph, dt_s)
        rate = c.max_lock_nm / (c.full_travel_ms / 1000.0)
        self.lock_nm = _slew(self.lock_nm, min(c.max_lock_nm, target), rate, dt_s)
        return self.lock_nm


def _lsd_lock(cal: LsdCalibration, axle_in_nm: float) -> float:
    """Ramp-and-preload LSD: the torque it can hold across its two wheels right now."""
    ratio = cal.power_ratio if axle_in_nm >= 0.0 else cal.coast_ratio
    return min(cal.max_lock_nm, cal.preload_nm + ratio * abs(axle_in_nm))


class Dcu:
    def __init__(self, cal: DcuCalibration, hw: HardwareCalibration,
                 driveline: DrivelineCalibration | None = None) -> None:
        self.cal = cal
        self.hw = hw
        self.driveline = driveline or DrivelineCalibration()  # the converter's torque ratio
        c = cal.centre
        self._centre_pi = _Pi(c.kp_nm_per_kph, c.ki_nm_per_kph_s, c.integral_max_nm)
        self._active = {
            axle: _ActiveDiff(a) for axle, a in (("front", cal.front), ("rear", cal.rear))
            if isinstance(a, ActiveDiffCalibration)
        }
        self.centre_nm = 0.0
        self.slip_pct = 0.0  # filtered wheel slip: the DCU's surface estimate
        self._last_ns: int | None = None
        self._open_from_nm = 0.0  # torque when the handbrake open began (sets the fall rate)
        self._reclose_since: int | None = None
        self.mode = CentreMode.AUTO


    def set_calibration(self, section: DcuCalibration | HardwareCalibration | DrivelineCalibration) -> None:
        """A live calibration write: new gains and limits; integrators and lock torques kept."""
        if isinstance(section, HardwareCalibration):
            self.hw = section
            return
        if isinstance(section, DrivelineCalibration):
            self.driveline = section
            return
        self.cal = section
        c, pi = section.centre, self._centre_pi
        pi.kp, pi.ki, pi.i_max = c.kp_nm_per_kph, c.ki_nm_per_kph_s, c.integral_max_nm
        for axle, a in (("front", section.front), ("rear", section.rear)):
            old = self._active.pop(axle, None)
            if isinstance(a, ActiveDiffCalibration):
                new = self._active[axle] = _ActiveDiff(a)
                if old is not None:
                    new.lock_nm, new.pi.integral = old.lock_nm, old.pi.integral
    def step(self, now_ns: int, inputs: DcuInputs) -> DcuOutputs:
        dt_s = 0.0 if self._last_ns is None else (now_ns - self._last_ns) / _NS_PER_S
        self._last_ns = now_ns
        self._estimate_surface(inputs, dt_s)
        axle_in_nm = self._axle_input_torque(inputs)
        w = inputs.wheel_kph
        front = self._axle_lock("front", axle_in_nm, None if w is None else (w[0], w[1]), dt_s)
        rear = self._axle_lock("rear", axle_in_nm, None if w is None else (w[2], w[3]), dt_s)
        self._step_centre(now_ns, inputs, dt_s)
        return DcuOutputs(
            mode=self.mode,
            centre_nm=self.centre_nm,
            front_lock_nm=min(front, MAX_REPORTED_NM),
            rear_lock_nm=min(rear, MAX_REPORTED_NM),
            low_range_rejected=inputs.low_range_request,  # no low range on the D7X-R: always refused
        )

    # ---- centre coupling ---------------------------------------------------------------

    def _step_centre(self, now_ns: int, inputs: DcuInputs, dt_s: float) -> None:
        c = self.cal.centre
        if inputs.centre_open_request:  # the handbrake wins over everything
            if self.mode is not CentreMode.HANDBRAKE_OPEN:
                self.mode = CentreMode.HANDBRAKE_OPEN
                self._open_from_nm = self.centre_nm
            self._centre_pi.reset()
            self._reclose_since = None
            fall = max(self._open_from_nm, 1.0) / (c.handbrake_open_ms / 1000.0)
            self.centre_nm = _slew(self.centre_nm, 0.0, fall, dt_s)
            return
        if self.mode is CentreMode.HANDBRAKE_OPEN:
            self._reclose_since = now_ns
        self.mode = CentreMode.LOCKED if inputs.lock_switch else CentreMode.AUTO
        target = c.locked_nm if inputs.lock_switch else self._auto_target(inputs, dt_s)
        if self._reclose_since is not None:  # hand back on a ramp, not a bang
            frac = (now_ns - self._reclose_since) / (c.handbrake_reclose_ms * _NS_PER_MS)
            if frac >= 1.0:
                self._reclose_since = None
            else:
                self.centre_nm = min(target * frac, self.centre_nm + c.slew_nm_per_s * dt_s)
                return
        self.centre_nm = _slew(self.centre_nm, target, c.slew_nm_per_s, dt_s)

    def _auto_target(self, inputs: DcuInputs, dt_s: float) -> float:
        c = self.cal.centre
        t = self._loose_fraction()
        preload = c.preload_grip_nm + (c.preload_loose_nm - c.preload_grip_nm) * t
        fb = 0.0
        if inputs.wheel_kph is not None:
            fl, fr, rl, rr = inputs.wheel_kph
            excess = abs((fl + fr) / 2.0 - (rl + rr) / 2.0) - c.deadband_kph
            fb = self._centre_pi.step(excess, dt_s)
        else:
            self._centre_pi.reset()
        return min(c.auto_max_nm, preload + fb + c.accel_ff_nm_per_pct * inputs.accel_pct)

    def _estimate_surface(self, inputs: DcuInputs, dt_s: float) -> None:
        """No surface on CAN: mean wheel slip over reference speed, low-pass filtered."""
        if inputs.wheel_kph is None or inputs.centre_open_request:
            return  # a handbrake slide is not a loose surface
        v = max(inputs.vehicle_kph, 5.0)
        slip = min(100.0, abs(sum(inputs.wheel_kph) / 4.0 - inputs.vehicle_kph) / v * 100.0)
        alpha = min(1.0, dt_s * 1000.0 / self.cal.centre.slip_filter_ms)
        self.slip_pct += (slip - self.slip_pct) * alpha

    def _loose_fraction(self) -> float:
        c = self.cal.centre
        return min(1.0, max(0.0, (self.slip_pct - c.loose_slip_lo_pct) / (c.loose_slip_hi_pct - c.loose_slip_lo_pct)))

    # ---- axle diffs ----------------------------------------------------------------------

    def _converter_ratio(self, inputs: DcuInputs) -> float:
        """The open converter multiplies the engine's torque (up to ~1.9 at stall): an LSD sees it."""
        d = self.driveline
        if inputs.lockup or inputs.turbine_rpm is None or inputs.engine_rpm <= 1.0 or inputs.engine_torque_nm <= 0.0:
            return 1.0
        return converter_torque_ratio(inputs.turbine_rpm / inputs.engine_rpm, d.converter_stall_torque_ratio,
                                      d.converter_coupling_speed_ratio)

    def _axle_input_torque(self, inputs: DcuInputs) -> float:
        """Engine torque x converter x gear x final drive, half to each axle (signed: < 0 is coast)."""
        hw = self.hw
        if 1 <= inputs.gear <= hw.gear_count:
            ratio = hw.gear_ratios[inputs.gear - 1]
        elif inputs.gear == 9:
            ratio = hw.reverse_ratio
        else:
            return 0.0
        torque = inputs.engine_torque_nm * self._converter_ratio(inputs)
        return torque * ratio * hw.transfer_high_ratio * hw.final_drive * CENTRE_FRONT_SHARE

    def _axle_lock(self, axle: str, axle_in_nm: float, wheels: tuple[float, float] | None, dt_s: float) -> float:
        active = self._active.get(axle)
        if active is not None:
            return active.step(axle_in_nm, wheels, dt_s)
        cal = self.cal.front if axle == "front" else self.cal.rear
        assert isinstance(cal, LsdCalibration)
        return _lsd_lock(cal, axle_in_nm)
