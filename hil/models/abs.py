"""The ABS/ESC unit: a reference speed from the four wheel speeds, anti-lock brake pressure per
axle, and traction control (an engine torque ceiling against wheelspin).

Like a real unit it sees only its wheel-speed sensors, its accelerometer and the brake pressures;
the true speed over ground never reaches it (docs/vehicle.md#abs-and-traction-control). One step every 10 ms;
its pressure commands act on the next plant step, as a valve block's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hil.config.schema import Strict

KPH = 3.6
NO_LIMIT_NM = 1e9
_NS_PER_S = 1_000_000_000


class AbsCalibration(Strict):
    """Anti-lock braking and the reference speed (E: typical production values)."""

    enabled: bool = True
    slip_target: float = Field(default=0.15, ge=0.02, le=0.5)  # re-apply below this slip...
    slip_release: float = Field(default=0.25, ge=0.03, le=0.8)  # ...hold between, dump above this
    min_speed_kph: float = Field(default=5.0, ge=0, le=30)  # below: plain brakes (a stopped car may lock)
    dump_bar_per_s: float = Field(default=2000.0, ge=10, le=20000)  # outlet valve open
    apply_bar_per_s: float = Field(default=600.0, ge=10, le=20000)  # pump / inlet valve re-apply
    # the reference speed follows the wheels no faster than the accelerometer says the car changes
    # speed (plus this margin), and never faster than a car can
    reference_margin_mps2: float = Field(default=0.5, ge=0.1, le=10)
    reference_decel_mps2: float = Field(default=12.0, ge=1, le=30)
    reference_accel_mps2: float = Field(default=8.0, ge=1, le=30)


@dataclass(frozen=True, slots=True)
class AbsInputs:
    wheel_kph: tuple[float, float, float, float]  # FL FR RL RR, magnitudes from the wheel sensors
    brake_bar: float  # driver's master-cylinder pressure
    rear_abs_inhibit: bool  # the hydraulic handbrake is applying: the rear wheels may lock
    torque_max_nm: float  # the engine's full-load torque now (ECM), for traction control
    accel_mps2: float = 0.0  # the unit's longitudinal accelerometer


@dataclass(frozen=True, slots=True)
class AbsOutputs:
    front_brake_bar: float  # pressure at the front calipers for the next step
    rear_brake_bar: float
    reference_kph: float  # VehicleSpeed: the unit's estimate of the speed over ground
    torque_limit_nm: float  # traction control's engine torque ceiling (NO_LIMIT_NM: none)
    abs_active: bool


@dataclass(frozen=True, slots=True)
class TractionCalibration:
    """The `[vehicle]` traction_* values (see VehicleCalibration)."""

    slip_target: float
    slip_offset_kph: float
    gain_nm_per_kph: float
    floor: float
    recover_nm_per_s: float


class TractionControl:
    """Proportional on the slip excess, released at a limited rate like an ESC's torque request."""

    def __init__(self) -> None:
        self.limit_nm = NO_LIMIT_NM

    def step(self, cal: TractionCalibration, dt_s: float, reference_kph: float, fastest_wheel_kph: float,
             torque_max_nm: float) -> float:
        """This step's engine torque ceiling (NO_LIMIT_NM when switched off)."""
        if cal.slip_target <= 0.0:
            return NO_LIMIT_NM
        excess = fastest_wheel_kph - reference_kph * (1.0 + cal.slip_target) - cal.slip_offset_kph
        target = torque_max_nm - cal.gain_nm_per_kph * excess if excess > 0.0 else NO_LIMIT_NM
        target = max(target, cal.floor * torque_max_nm)
        if target < self.limit_nm:
            self.limit_nm = target
        else:
            self.limit_nm = min(target, max(self.limit_nm, 0.0) + cal.recover_nm_per_s * dt_s)
        return self.limit_nm


class AxleModulator:
    """One axle's anti-lock pressure: dump while its worst wheel slips past `slip_release`, hold
    down to `slip_target`, re-apply below it, never above the driver's pressure."""

    def __init__(self) -> None:
        self.bar = 0.0
        self.active = False

    def step(self, cal: AbsCalibration, dt_s: float, driver_bar: float, slip: float, enabled: bool) -> float:
        if not enabled or driver_bar <= 0.0 or (not self.active and slip <= cal.slip_release):
            self.bar, self.active = driver_bar, False  # no cycle running: the driver's pressure
            return self.bar
        if slip > cal.slip_release:
            self.bar -= cal.dump_bar_per_s * dt_s
            self.active = True
        elif slip < cal.slip_target:
            self.bar += cal.apply_bar_per_s * dt_s
        self.bar = max(0.0, min(self.bar, driver_bar))
        if self.bar >= driver_bar:
            self.active = False  # back at the driver's pressure: the cycle ended
        return self.bar


class Abs:
    """The unit's state: its reference speed, the two axle modulators and traction control."""

    def __init__(self, cal: AbsCalibration, traction: TractionCalibration) -> None:
        self.cal = cal
        self.traction_cal = traction
        self.reference_kph = 0.0
        self.front = AxleModulator()
        self.rear = AxleModulator()
        self.traction = TractionControl()
        self._last_ns: int | None = None

    def set_calibration(self, cal: AbsCalibration, traction: TractionCalibration) -> None:
        self.cal, self.traction_cal = cal, traction

    def step(self, now_ns: int, i: AbsInputs) -> AbsOutputs:
        dt_s = 0.01 if self._last_ns is None else (now_ns - self._last_ns) / _NS_PER_S
        self._last_ns = now_ns
        cal = self.cal
        braking = i.brake_bar > 0.0 or i.rear_abs_inhibit
        self._update_reference(i.wheel_kph, braking, i.accel_mps2, dt_s)
        ref = self.reference_kph
        on = cal.enabled and ref >= cal.min_speed_kph
        fl, fr, rl, rr = i.wheel_kph
        front = self.front.step(cal, dt_s, i.brake_bar, self._slip(min(fl, fr)), on)
        rear = self.rear.step(cal, dt_s, i.brake_bar, self._slip(min(rl, rr)), on and not i.rear_abs_inhibit)
        limit = self.traction.step(self.traction_cal, dt_s, ref, max(i.wheel_kph), i.torque_max_nm)
        return AbsOutputs(front, rear, ref, limit, self.front.active or self.rear.active)

    def _slip(self, wheel_kph: float) -> float:
        ref = self.reference_kph
        return (ref - wheel_kph) / ref if ref > 0.0 else 0.0

    def _update_reference(self, wheel_kph: tuple[float, float, float, float], braking: bool, accel_mps2: float,
                          dt_s: float) -> None:
        """Braking, no wheel turns faster than the car: the fastest is a floor under the true speed
        and is followed up at once; driving, no wheel turns slower: the slowest is a ceiling and is
        followed down at once. Away from them the estimate moves only as the accelerometer says
        (plus a margin), so four wheels locked or spinning together, as on a 4x4 with its centre
        locked, are bridged."""
        cal = self.cal
        ref = self.reference_kph
        if braking:
            fall = min(cal.reference_decel_mps2, max(0.0, -accel_mps2) + cal.reference_margin_mps2) * KPH * dt_s
            self.reference_kph = max(ref - fall, min(ref + cal.reference_accel_mps2 * KPH * dt_s, max(wheel_kph)))
        else:
            rise = min(cal.reference_accel_mps2, max(0.0, accel_mps2) + cal.reference_margin_mps2) * KPH * dt_s
            self.reference_kph = max(ref - cal.reference_decel_mps2 * KPH * dt_s, min(ref + rise, *wheel_kph))
