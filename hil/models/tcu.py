"""The D7X-R's gearbox shift-speed software (TCU): modes, protections, shift execution, lock-up.

D shifts on the calibrated maps (tcu_schedule), M on the paddles; every shift runs FILL ->
TORQUE -> INERTIA with per-kind durations, a torque cut or blip, and ends in one shift event.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.models.enums import (
    NO_TORQUE_LIMIT_NM,
    Gear,
    Intervention,
    Mode,
    RejectReason,
    Selector,
    ShiftPhase,
    Trigger,
)
from hil.models.hardware import HardwareCalibration
from hil.models.tcu_auto import AutoInputs, AutoShift
from hil.models.tcu_calibration import TcuCalibration
from hil.models.tcu_hydraulics import Hydraulics, lockup_command
from hil.models.tcu_shift import Shift, ShiftEvent, ShiftSpeeds
from hil.models.tcu_speed import OutputSpeed
from hil.models.tcu_thermal import OilThermal, heat_w

_NS_PER_MS = 1_000_000
_SELECTORS = frozenset(int(s) for s in Selector)


@dataclass(frozen=True, slots=True)
class TcuInputs:
    selector: int  # Selector
    accel_pct: float
    paddle_up: bool
    paddle_down: bool
    engine_rpm: float
    engine_torque_nm: float
    wheel_kph: tuple[float, float, float, float]  # FL FR RL RR
    engine_ok: bool  # ECM_Engine fresh
    wheels_ok: bool  # ABS_WheelSpeeds fresh
    converter_open_request: bool = False  # HHB
    upshift_inhibit: bool = False  # HHB
    turbine_rpm: float | None = None  # turbine speed sensor; None while its frame is lost
    engine_torque_max_nm: float = 0.0  # ECM: full-load torque at the current speed


@dataclass(frozen=True, slots=True)
class TcuOutputs:
    gear_actual: int
    gear_target: int
    mode: Mode
    phase: ShiftPhase
    progress_pct: float
    reject_reason: RejectReason
    converter_lockup: bool
    inputs_lost: bool
    oil_temp_c: float
    output_rpm: float
    torque_limit_nm: float
    intervention: Intervention
    blip_target_rpm: float
    shift_event: ShiftEvent | None
    offgoing_bar: float = 0.0  # engaged gear's shift element
    oncoming_bar: float = 0.0  # the shift's new gear's element

    @property
    def shift_in_progress(self) -> bool:
        return self.phase is not ShiftPhase.IDLE


def _forward(gear: int) -> bool:
    return 1 <= gear <= 8


def _selector_gear_class(selector: int) -> int:
    """What the selector asks for: P, R, N, or 1 for "a forward gear"."""
    return {Selector.P: Gear.P, Selector.R: Gear.R, Selector.N: Gear.N}.get(Selector(selector), 1)


def _gear_class(gear: int) -> int:
    return 1 if _forward(gear) else gear


class Tcu:
    """The shift software. Starts in P; steps every 10 ms on the node's period."""

    def __init__(self, cal: TcuCalibration, hw: HardwareCalibration) -> None:
        self.cal = cal
        self.hw = hw
        self.thermal = OilThermal(cal.thermal)  # set_calibration keeps it in step with self.cal
        self.hydraulics = Hydraulics(cal.shift)  # ...and this
        self.gear: int = Gear.P
        self.drive_mode = Selector.D  # the last accepted of D / M
        self.shift: Shift | None = None
        self.queued: tuple[int, int] | None = None  # (direction, paddle-edge time)
        self.reject = RejectReason.NONE
        self.lockup = False
        self.speed = OutputSpeed()
        self.counter = 0
        self.manual_until_ns = -1  # paddles in D: schedule suspended until then
        self.auto = AutoShift()  # D's schedule, kickdown, limiter and anti-stall decisions
        self._auto_cal = cal.auto()
        self._down_since_ns: int | None = None  # the - paddle held since (None: released or served)
        self._prev_up = self._prev_down = False
        self._prev_selector: int | None = None
        self._torque_at_request_nm = 0.0


    def set_calibration(self, section: TcuCalibration | HardwareCalibration) -> None:
        """A live calibration write: maps, times and thermal limits apply from the next step; a
        shift already running finishes on the times it started with."""
        if isinstance(section, HardwareCalibration):
            self.hw = section
        else:
            self.cal = section
            self.thermal.cal = section.thermal
            self.hydraulics.cal = section.shift
            self._auto_cal = section.auto()
    def engine_rpm_in(self, gear: int) -> float:
        """Engine (turbine) speed the current output speed gives in `gear`."""
        if _forward(gear):
            return self.output_rpm * self.hw.gear_ratios[gear - 1]
        return self.output_rpm * self.hw.reverse_ratio if gear == Gear.R else 0.0

    @property
    def output_rpm(self) -> float:
        return self.speed.rpm

    @property
    def speed_kph(self) -> float:
        return self.speed.kph

    def _upshift_lead_rpm(self, power_on: bool) -> float:
        """Output speed the car gains before the ratio moves: the engine must not pass the line meanwhile."""
        c = self.cal
        if not (c.anticipate_upshifts and power_on):
            return 0.0
        t = c.shift.power_on_up
        return self.speed.lead_rpm((c.shift.decision_ms + t.fill_ms + t.torque_ms) / 1000.0, self.hw)

    def step(self, now_ns: int, i: TcuInputs) -> TcuOutputs:
        lost = not (i.engine_ok and i.wheels_ok)
        if i.wheels_ok:
            self.speed.update(now_ns, i.wheel_kph, self.hw)
        self._selector(i, lost)  # first: a garage change (e.g. to N) cancels a shift, completing or not
        event = self._advance_shift(now_ns, i) if self.shift is not None else None
        up_edge, down_edge = i.paddle_up and not self._prev_up, i.paddle_down and not self._prev_down
        self._prev_up, self._prev_down = i.paddle_up, i.paddle_down
        prev_pedal = self.auto.pedal(now_ns, i.accel_pct, self._auto_cal)
        if _forward(self.gear):
            if up_edge != down_edge:  # both at once: ignored
                self._paddle(now_ns, 1 if up_edge else -1, i, lost)
            self._held_down_paddle(now_ns, i, lost, down_edge)
            if self.shift is None and self.queued is not None:
                direction, request_ns = self.queued
                self.queued = None
                self._driver_shift(now_ns, direction, request_ns, i, lost)
            if self.shift is None and not lost:
                self._automatic(now_ns, i, prev_pedal)
        self._update_lockup(i, lost)
        temp = self.thermal.step(now_ns, self._heat_w(i) if i.engine_ok else 0.0)
        return self._outputs(now_ns, i, lost, temp, event)

    def _selector(self, i: TcuInputs, lost: bool) -> None:
        changed = i.selector != self._prev_selector
        self._prev_selector = i.selector
        if i.selector not in _SELECTORS:
            return
        want, have = _selector_gear_class(i.selector), _gear_class(self.gear)
        if want == have:
            if want == 1:
                self.drive_mode = Selector(i.selector)
            return
        if want != Gear.N:
            if lost:  # no speed: nothing but N engages
                if changed:
                    self.reject = RejectReason.INPUT_LOST
                return
            needs_standstill = want in (Gear.P, Gear.R) or have in (Gear.P, Gear.R)
            if needs_standstill and self.speed_kph > self.cal.standstill_kph:
                if changed:
                    self.reject = RejectReason.INTERLOCK
                return
        self.shift, self.queued = None, None  # a garage change overrides any shift
        self.hydraulics.reset()
        if want == 1:
            self.gear = self._lowest_safe_gear()
            self.drive_mode = Selector(i.selector)
        else:
            self.gear = want
        self.reject = RejectReason.NONE

    def _lowest_safe_gear(self) -> int:
        for g in range(1, self.hw.gear_count + 1):
            if self.engine_rpm_in(g) <= self.cal.max_downshift_rpm:
                return g
        return self.hw.gear_count

    def _paddle(self, now_ns: int, direction: int, i: TcuInputs, lost: bool) -> None:
        if self.shift is not None and not lost and not self.thermal.limp:
            if self.queued is None:
                self.queued = (direction, now_ns)  # a second press is queued once...
            elif self.queued[0] != direction:
                self.queued = None  # ...an opposite press cancels it; a third is dropped
        else:
            self._driver_shift(now_ns, direction, now_ns, i, lost)
        if self.drive_mode == Selector.D and self.shift is not None:
            self.manual_until_ns = now_ns + int(self.cal.paddle_hold_in_d_ms * _NS_PER_MS)

    def _driver_shift(self, now_ns: int, direction: int, request_ns: int, i: TcuInputs, lost: bool) -> None:
        """A paddle request: every protection applies; the answer is held in `reject` until the next."""
        c, g = self.cal, self.gear
        target = g + direction
        if lost:
            self.reject = RejectReason.INPUT_LOST
        elif self.thermal.limp:
            self.reject = RejectReason.OVERTEMP
        elif not 1 <= target <= self.hw.gear_count:
            self.reject = RejectReason.LIMIT
        elif direction > 0 and i.upshift_inhibit:
            self.reject = RejectReason.INTERLOCK
        elif direction > 0 and self.engine_rpm_in(target) < c.min_upshift_rpm:
            self.reject = RejectReason.UNDERREV
        elif direction < 0 and self.engine_rpm_in(target) > c.max_downshift_rpm:
            self.reject = RejectReason.OVERREV
        else:
            self.reject = RejectReason.NONE
            self._start(now_ns, target, Trigger.PADDLE, request_ns, i)

    def _held_down_paddle(self, now_ns: int, i: TcuInputs, lost: bool, edge: bool) -> None:
        """The - paddle held: one (skip) downshift to the lowest gear allowed at this speed."""
        if edge:
            self._down_since_ns = now_ns
        if not i.paddle_down:
            self._down_since_ns = None
        since = self._down_since_ns
        if since is None or lost or self.shift is not None:
            return
        if now_ns - since < int(self.cal.paddle_hold_down_ms * _NS_PER_MS):
            return
        self._down_since_ns = None  # one per hold
        target = self._lowest_safe_gear()
        if target < self.gear:
            self.queued = None
            self._start(now_ns, target, Trigger.PADDLE, since, i)

    def _automatic(self, now_ns: int, i: TcuInputs, prev_pedal: float) -> None:
        c = self.cal
        limp = self.thermal.limp
        decision = self.auto.decide(AutoInputs(
            now_ns=now_ns, gear=self.gear, top=self.hw.gear_count, pedal_pct=i.accel_pct, engine_rpm=i.engine_rpm,
            output_rpm=self.output_rpm, upshift_lead_rpm=self._upshift_lead_rpm(i.accel_pct > c.power_on_pedal_pct),
            upshift_inhibit=i.upshift_inhibit,
            manual=(self.drive_mode == Selector.M and not limp) or now_ns < self.manual_until_ns,
            in_d=self.drive_mode == Selector.D or limp), self._auto_cal, prev_pedal, self.engine_rpm_in)
        if decision is not None:
            target, trigger = decision
            self._start(now_ns, target, trigger, now_ns, i)

    def _start(self, now_ns: int, target: int, trigger: Trigger, request_ns: int, i: TcuInputs) -> None:
        c = self.cal
        hot = self.thermal.derated or self.thermal.limp
        # the torque the driver asks for (the actual torque may still be ramping back after a shift)
        torque = max(0.0, i.engine_torque_nm, i.engine_torque_max_nm * i.accel_pct / 100.0)
        self.shift = Shift.plan(
            now_ns, self.gear, target, power_on=i.accel_pct > c.power_on_pedal_pct, trigger=trigger,
            request_ns=request_ns, cal=c.shift, slow_factor=c.thermal.derate_time_factor if hot else 1.0,
            torque_nm=torque, cut_nm=torque * c.upshift_cut_pct / 100.0,
            offgoing_bar=self.hydraulics.held_bar(now_ns), lockup=self.lockup)
        self._torque_at_request_nm = torque

    def turbine_rpm(self, i: TcuInputs) -> float:
        """The turbine speed sensor; with its frame lost, engine speed (right with the lock-up closed)."""
        return i.turbine_rpm if i.turbine_rpm is not None else i.engine_rpm

    def shift_speeds(self, i: TcuInputs, s: Shift) -> ShiftSpeeds:
        return ShiftSpeeds(self.turbine_rpm(i), self.engine_rpm_in(s.from_gear), self.engine_rpm_in(s.to_gear))

    def _advance_shift(self, now_ns: int, i: TcuInputs) -> ShiftEvent | None:
        s = self.shift
        assert s is not None
        if not s.advance(now_ns, self.shift_speeds(i, s)):
            return None
        self.hydraulics.shift_done(now_ns, s, self._torque_at_request_nm)
        self.gear, self.shift = s.to_gear, None
        self.auto.shift_done(now_ns, s.from_gear, s.to_gear, s.trigger, self._auto_cal)
        self.counter = (self.counter + 1) % 256
        return s.event(now_ns, self.counter)

    def _update_lockup(self, i: TcuInputs, lost: bool) -> None:
        c, s = self.cal, self.shift
        turbine = self.engine_rpm_in(self.gear)
        if s is not None:  # a shift takes the turbine towards the target gear's speed
            turbine = max(turbine, self.engine_rpm_in(s.to_gear))
        allowed = not (lost or i.converter_open_request or not _forward(self.gear) or self.gear < c.lockup_min_gear)
        self.lockup = lockup_command(self.lockup, allowed=allowed, shifting=s is not None, turbine_rpm=turbine,
                                     open_rpm=c.lockup_open_rpm, close_rpm=c.lockup_close_rpm)

    def _heat_w(self, i: TcuInputs) -> float:
        s = self.shift
        inertia = s is not None and s.phase is ShiftPhase.INERTIA
        in_gear = _forward(self.gear) or self.gear == Gear.R
        return heat_w(
            self.cal.thermal, engine_rpm=i.engine_rpm, engine_torque_nm=i.engine_torque_nm,
            turbine_rpm=self.turbine_rpm(i), converter_open=not self.lockup and in_gear, in_gear=in_gear,
            clutch_sync_rpm=self.engine_rpm_in(s.to_gear) if inertia and s is not None else None)

    def _outputs(self, now_ns: int, i: TcuInputs, lost: bool, temp: float, event: ShiftEvent | None) -> TcuOutputs:
        c, s = self.cal, self.shift
        phase, progress = ShiftPhase.IDLE, 0.0
        new_sync = 0.0
        if s is not None:
            speeds = self.shift_speeds(i, s)
            phase, progress, new_sync = s.phase, s.progress_pct(now_ns, speeds), speeds.new_sync_rpm
        limit = c.thermal.limp_torque_limit_nm if self.thermal.limp else NO_TORQUE_LIMIT_NM
        engaged = _forward(self.gear) or self.gear == Gear.R
        cmd = self.hydraulics.commands(now_ns, engaged, s, new_sync, limit)
        manual = self.drive_mode == Selector.M and not self.thermal.limp and _forward(self.gear)
        return TcuOutputs(
            gear_actual=self.gear,
            gear_target=s.to_gear if s is not None else self.gear,
            mode=Mode.M if manual else Mode.D,
            phase=phase,
            progress_pct=progress,
            reject_reason=self.reject,
            converter_lockup=self.lockup,
            inputs_lost=lost,
            oil_temp_c=temp,
            output_rpm=self.output_rpm,
            torque_limit_nm=cmd.torque_limit_nm,
            intervention=cmd.intervention,
            blip_target_rpm=cmd.blip_target_rpm,
            shift_event=event,
            offgoing_bar=cmd.offgoing_bar,
            oncoming_bar=cmd.oncoming_bar,
        )
