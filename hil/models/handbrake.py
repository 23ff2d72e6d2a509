"""Hydraulic handbrake (HHB): the "trick software" that locks the D7X-R's rear axle on the lever.

Sequence (docs/handbrake.md#our-reading-of-the-d7x-r-function): open the centre coupling, then
apply rear pressure on a rate limit; release ramps down and hands the coupling back.
Fail-safe: a lost or implausible lever ramps down.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.models.enums import HhbFault, HhbState

_NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000


class HhbCalibration(Strict):
    lever_on_pct: float = Field(default=10.0, ge=0.5, lt=100)  # E: "on above 5 bar" as lever travel
    lever_off_pct: float = Field(default=5.0, ge=0, lt=100)  # hysteresis: off below this
    lever_debounce_ms: float = Field(default=20.0, ge=0, le=200)  # E: docs/handbrake.md#interlocks, 20 ms
    lever_full_pct: float = Field(default=80.0, ge=1, le=100)  # travel that asks for full pressure
    lever_rest_pct: float = Field(default=2.0, ge=0, lt=100)  # at rest: a fault may clear
    lever_min_plausible_pct: float = Field(default=-5.0, ge=-20, le=0)
    lever_max_plausible_pct: float = Field(default=105.0, ge=100, le=184)
    lever_invalid_ms: float = Field(default=20.0, ge=0, le=500)  # lever unusable this long -> FAULT
    centre_open_lead_ms: float = Field(default=150.0, ge=0, le=1000)  # apply anyway after this wait
    centre_open_torque_nm: float = Field(default=5.0, ge=0, le=4095)  # coupling counts as open at or below
    max_pressure_bar: float = Field(default=120.0, ge=1, le=200)
    pressure_rise_bar_per_s: float = Field(default=1200.0, ge=1, le=100000)  # actuator: 0 -> 120 bar in 100 ms
    pressure_fall_bar_per_s: float = Field(default=600.0, ge=1, le=100000)  # release ramp
    fault_fall_bar_per_s: float = Field(default=400.0, ge=1, le=100000)  # fail-safe ramp (no sudden release mid-slide)
    lock_speed_kph: float = Field(default=1.0, ge=0.1, le=50)  # rear wheels below this count as stopped
    unlock_speed_kph: float = Field(default=3.0, ge=0.1, le=50)  # ...and above this as turning again
    lock_min_pressure_bar: float = Field(default=20.0, ge=0, le=200)  # "stopped under pressure"
    lock_confirm_ms: float = Field(default=20.0, ge=0, le=10000)
    lock_within_ms: float = Field(default=600.0, ge=1, le=10000)  # acceptance: lever -> RearAxleLocked at 40 km/h
    speed_cap_kph: float = Field(default=90.0, ge=1, le=300)  # above this vehicle speed pressure is capped...
    capped_pressure_bar: float = Field(default=40.0, ge=0, le=200)  # ...to this
    # interlocks (docs/handbrake.md#interlocks): under this speed, and in reverse, the lever is a
    # plain rear brake: no centre opening, no converter opening, no upshift inhibit
    min_speed_kph: float = Field(default=5.0, ge=0, le=30)
    fault_clear_ms: float = Field(default=100.0, ge=0, le=60000)  # lever at rest with good frames this long

    @model_validator(mode="after")
    def _consistent(self) -> HhbCalibration:
        if not self.lever_rest_pct <= self.lever_off_pct < self.lever_on_pct < self.lever_full_pct:
            raise ValueError("need lever_rest_pct <= lever_off_pct < lever_on_pct < lever_full_pct (hysteresis)")
        if self.unlock_speed_kph <= self.lock_speed_kph:
            raise ValueError("unlock_speed_kph must be above lock_speed_kph (hysteresis)")
        if self.capped_pressure_bar > self.max_pressure_bar:
            raise ValueError("capped_pressure_bar must not exceed max_pressure_bar")
        if self.lock_min_pressure_bar > self.max_pressure_bar:
            raise ValueError("lock_min_pressure_bar must not exceed max_pressure_bar")
        return self


@dataclass(frozen=True, slots=True)
class HhbInputs:
    lever_pct: float  # latest good DRV_Controls.HandbrakeLever
    lever_ok: bool  # DRV_Controls fresh and its latest frame passed E2E
    lever_seen: bool  # DRV_Controls received at least once (no timeout fault before the first frame)
    speeds_ok: bool  # ECM_Engine and ABS_WheelSpeeds both fresh
    speeds_seen: bool
    rear_wheel_kph: tuple[float, float]  # RL, RR
    vehicle_kph: float
    centre_open: bool  # DCU reports HANDBRAKE_OPEN with the coupling torque released
    reverse: bool = False  # TCU_Status.GearActual is R


@dataclass(frozen=True, slots=True)
class HhbOutputs:
    state: HhbState
    fault: HhbFault
    pressure_bar: float
    rear_axle_locked: bool
    centre_open_request: bool
    converter_open_request: bool
    upshift_inhibit_request: bool
    pressure_capped: bool


class Hhb:
    """OFF -> APPLYING -> LOCKED -> RELEASING -> OFF, and FAULT from anywhere."""

    def __init__(self, cal: HhbCalibration) -> None:
        self.cal = cal
        self.state = HhbState.OFF
        self.fault = HhbFault.NONE
        self.pressure_bar = 0.0
        self._last_ns: int | None = None
        self._lever_over_since: int | None = None
        self._lever_bad_since: int | None = None
        self._apply_since = 0
        self._stopped_since: int | None = None
        self._rest_since: int | None = None
        self._turn = True  # this event is a handbrake turn (not a plain brake under the interlocks)

    def step(self, now_ns: int, inputs: HhbInputs) -> HhbOutputs:
        c = self.cal
        dt_s = 0.0 if self._last_ns is None else (now_ns - self._last_ns) / _NS_PER_S
        self._last_ns = now_ns

        fault = self._detect_fault(now_ns, inputs)
        if fault is not HhbFault.NONE and self.state is not HhbState.FAULT:
            self.state, self.fault = HhbState.FAULT, fault
            self._rest_since = None

        pulled = self._debounced_pull(now_ns, inputs)
        capped = False
        if self.state is HhbState.FAULT:
            self._ramp_to(0.0, dt_s, c.fault_fall_bar_per_s)
            if self._fault_cleared(now_ns, inputs):
                self.state, self.fault = HhbState.OFF, HhbFault.NONE
        elif self.state is HhbState.OFF:
            if pulled and inputs.speeds_ok:
                self.state, self._apply_since = HhbState.APPLYING, now_ns
                self._turn = inputs.vehicle_kph >= c.min_speed_kph and not inputs.reverse
        elif not pulled:
            if self.state is not HhbState.RELEASING:
                self.state = HhbState.RELEASING
            self._ramp_to(0.0, dt_s, c.pressure_fall_bar_per_s)
            if self.pressure_bar <= 0.0:
                self.state = HhbState.OFF
        else:
            if self.state is HhbState.RELEASING:  # pulled again mid-release: the centre is still open
                self.state = HhbState.APPLYING
            lead_over = now_ns - self._apply_since >= c.centre_open_lead_ms * _NS_PER_MS
            if inputs.centre_open or lead_over or self.pressure_bar > 0.0 or not self._turn:
                target, capped = self._target_pressure(inputs)
                self._ramp_to(target, dt_s, c.pressure_rise_bar_per_s, c.pressure_fall_bar_per_s)
            self._update_lock(now_ns, inputs)

        active = self.state in (HhbState.APPLYING, HhbState.LOCKED, HhbState.RELEASING)
        # FAULT keeps the centre open until pressure is gone; a plain brake (slow, reverse) asks for nothing
        holding = (active or self.pressure_bar > 0.0) and self._turn
        return HhbOutputs(
            state=self.state,
            fault=self.fault,
            pressure_bar=self.pressure_bar,
            rear_axle_locked=self.state is HhbState.LOCKED,
            centre_open_request=holding,
            converter_open_request=holding,
            upshift_inhibit_request=holding,
            pressure_capped=capped,
        )

    # ---- pieces of the state machine -------------------------------------------------

    def _detect_fault(self, now_ns: int, inputs: HhbInputs) -> HhbFault:
        c = self.cal
        if inputs.lever_seen and not inputs.lever_ok:
            if self._lever_bad_since is None:
                self._lever_bad_since = now_ns
            if now_ns - self._lever_bad_since >= c.lever_invalid_ms * _NS_PER_MS:
                return HhbFault.LEVER_TIMEOUT
        else:
            self._lever_bad_since = None
        if inputs.lever_ok and not c.lever_min_plausible_pct <= inputs.lever_pct <= c.lever_max_plausible_pct:
            return HhbFault.LEVER_IMPLAUSIBLE
        if inputs.speeds_seen and not inputs.speeds_ok and self.state is not HhbState.OFF:
            return HhbFault.SPEED_TIMEOUT  # lost wheel speeds mid-event: cannot judge the lock
        return HhbFault.NONE

    def _fault_cleared(self, now_ns: int, inputs: HhbInputs) -> bool:
        c = self.cal
        good = (inputs.lever_ok and c.lever_min_plausible_pct <= inputs.lever_pct <= c.lever_rest_pct
                and self.pressure_bar <= 0.0 and (inputs.speeds_ok or not inputs.speeds_seen))
        if not good:
            self._rest_since = None
            return False
        if self._rest_since is None:
            self._rest_since = now_ns
        return now_ns - self._rest_since >= c.fault_clear_ms * _NS_PER_MS

    def _debounced_pull(self, now_ns: int, inputs: HhbInputs) -> bool:
        """Lever over `on` for the debounce time starts an event; only under `off` ends it."""
        c = self.cal
        lever = inputs.lever_pct
        if self.state in (HhbState.OFF, HhbState.FAULT):
            if lever >= c.lever_on_pct and inputs.lever_ok:
                if self._lever_over_since is None:
                    self._lever_over_since = now_ns
                return now_ns - self._lever_over_since >= c.lever_debounce_ms * _NS_PER_MS
            self._lever_over_since = None
            return False
        if self.state is HhbState.RELEASING:
            return lever >= c.lever_on_pct
        return lever > c.lever_off_pct

    def _uncapped(self, lever_pct: float) -> float:
        c = self.cal
        travel = (lever_pct - c.lever_off_pct) / (c.lever_full_pct - c.lever_off_pct)
        return c.max_pressure_bar * min(1.0, max(0.0, travel))

    def _target_pressure(self, inputs: HhbInputs) -> tuple[float, bool]:
        c = self.cal
        want = self._uncapped(inputs.lever_pct)
        if inputs.vehicle_kph > c.speed_cap_kph and want > c.capped_pressure_bar:
            return c.capped_pressure_bar, True
        return want, False

    def _ramp_to(self, target: float, dt_s: float, up_per_s: float, down_per_s: float | None = None) -> None:
        p = self.pressure_bar
        if target > p:
            self.pressure_bar = min(target, p + up_per_s * dt_s)
        else:
            self.pressure_bar = max(target, p - (down_per_s or up_per_s) * dt_s)

    def _update_lock(self, now_ns: int, inputs: HhbInputs) -> None:
        c = self.cal
        rear = max(inputs.rear_wheel_kph)
        if self.state is HhbState.LOCKED:
            if rear > c.unlock_speed_kph or self.pressure_bar < c.lock_min_pressure_bar:
                self.state, self._stopped_since = HhbState.APPLYING, None
            return
        if rear < c.lock_speed_kph and self.pressure_bar >= c.lock_min_pressure_bar and inputs.speeds_ok:
            if self._stopped_since is None:
                self._stopped_since = now_ns
            if now_ns - self._stopped_since >= c.lock_confirm_ms * _NS_PER_MS:
                self.state = HhbState.LOCKED
        else:
            self._stopped_since = None
