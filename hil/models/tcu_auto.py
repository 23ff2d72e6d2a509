"""The TCU's own shift decisions: the D schedule (with its dwell and lift-off hold), kickdown,
and in M the limiter upshift and the anti-stall downshift (docs/gearbox.md#automatic-schedule-d).

A calm D: every scheduled shift waits `min_dwell_ms` after the last shift ended (a reversal
waits as long), no upshift follows a lift-off for `liftoff_hold_ms` (the driver is braking for a
corner, not cruising), a gear the box hunted out of and back into is held for `hunt_hold_ms`,
and the maps' hysteresis is checked against the ratios at load. The protections bypass them
all: an upshift before the engine reaches the limiter, an anti-stall downshift, a kickdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hil.models.enums import Trigger
from hil.models.tcu_schedule import ShiftMapCalibration

_NS_PER_MS = 1_000_000
_LONG_AGO_NS = -(1 << 62)


@dataclass(frozen=True, slots=True)
class AutoCalibration:
    """The `[tcu]` values the decisions use (TcuCalibration's, gathered so this module stays below it)."""

    schedule: ShiftMapCalibration
    power_on_pedal_pct: float
    min_upshift_rpm: float
    max_downshift_rpm: float
    limiter_rpm: float
    limiter_upshift_gears: tuple[int, ...]
    anti_stall_rpm: float
    min_dwell_ms: float
    hunt_window_ms: float
    hunt_hold_ms: float
    liftoff_pedal_pct: float
    liftoff_hold_ms: float
    kickdown_pedal_pct: float
    kickdown_max_rpm: float
    kickdown_max_steps: int


@dataclass(frozen=True, slots=True)
class AutoInputs:
    now_ns: int
    gear: int
    top: int
    pedal_pct: float
    engine_rpm: float
    output_rpm: float  # gearbox output speed from the wheels
    upshift_lead_rpm: float  # output speed the car gains before a power-on upshift's ratio moves
    upshift_inhibit: bool  # HHB
    manual: bool  # M, or paddles in D: the schedule is suspended
    in_d: bool  # the driver's D (or limp): limiter upshifts from any gear


class AutoShift:
    """Decides the next shift the TCU makes by itself, if any; remembers what calms the schedule."""

    def __init__(self) -> None:
        self.last_end_ns = _LONG_AGO_NS  # the last shift ended (any trigger)
        self.last_direction = 0
        self.liftoff_ns = _LONG_AGO_NS  # the pedal last fell from above liftoff_pedal_pct to off
        self._prev_pedal = 0.0
        self._last_up: tuple[int, int] = (0, _LONG_AGO_NS)  # (from gear, end time) of the last upshift
        self.held_until_ns: dict[int, int] = {}  # gear -> no scheduled upshift out of it before

    def shift_done(self, now_ns: int, from_gear: int, to_gear: int, trigger: Trigger, c: AutoCalibration) -> None:
        """A shift ended. A downshift back into the gear the last upshift left, soon after it, is a
        hunt: the schedule then stays in that gear for `hunt_hold_ms` (the load is too much for the
        gear above, as on a soft-sand climb)."""
        direction = 1 if to_gear > from_gear else -1
        if direction > 0:
            self._last_up = (from_gear, now_ns)
        elif trigger is Trigger.SCHEDULE:  # the schedule's own reversal (not the driver's paddle)
            gear, at_ns = self._last_up
            if to_gear <= gear < from_gear and now_ns - at_ns <= int(c.hunt_window_ms * _NS_PER_MS):
                self.held_until_ns[to_gear] = now_ns + int(c.hunt_hold_ms * _NS_PER_MS)
        self.last_end_ns, self.last_direction = now_ns, direction

    def pedal(self, now_ns: int, pedal_pct: float, c: AutoCalibration) -> float:
        """Track the pedal once per step; returns the previous step's (for the kickdown edge)."""
        prev = self._prev_pedal
        if prev >= c.liftoff_pedal_pct and pedal_pct <= c.power_on_pedal_pct:
            self.liftoff_ns = now_ns
        self._prev_pedal = pedal_pct
        return prev

    def decide(self, a: AutoInputs, c: AutoCalibration, prev_pedal: float,
               rpm_in: Callable[[int], float]) -> tuple[int, Trigger] | None:
        """(target gear, trigger) of a shift to start now, or None. `rpm_in(g)`: engine speed in g."""
        g = a.gear
        if a.manual:
            return self._manual(a, c, rpm_in)
        if prev_pedal < c.kickdown_pedal_pct <= a.pedal_pct:
            for k in range(max(1, g - c.kickdown_max_steps), g):
                if rpm_in(k) <= c.kickdown_max_rpm:
                    return k, Trigger.KICKDOWN
        settled = a.now_ns - self.last_end_ns >= int(c.min_dwell_ms * _NS_PER_MS)
        lifted = a.now_ns - self.liftoff_ns < int(c.liftoff_hold_ms * _NS_PER_MS)
        hunting = a.now_ns < self.held_until_ns.get(g, _LONG_AGO_NS)
        sched = c.schedule
        lugs = g < a.top and rpm_in(g + 1) < c.min_upshift_rpm  # e.g. a wheelspin burst
        if g < a.top and a.output_rpm + a.upshift_lead_rpm > sched.upshift_rpm(g, a.pedal_pct) \
                and not a.upshift_inhibit and not lugs:
            overspeed = rpm_in(g) >= c.max_downshift_rpm  # past the map's top: do not wait to the limiter
            if overspeed or (settled and not lifted and not hunting):
                return g + 1, Trigger.SCHEDULE
            return None
        k = g
        while k > 1 and a.output_rpm < sched.downshift_rpm(k, a.pedal_pct):
            k -= 1
        stalling = rpm_in(g) < c.anti_stall_rpm
        if k < g and (settled or stalling):
            return k, Trigger.SCHEDULE
        return None

    @staticmethod
    def _manual(a: AutoInputs, c: AutoCalibration, rpm_in: Callable[[int], float]) -> tuple[int, Trigger] | None:
        """M (and paddles in D): only the limiter upshift and the anti-stall downshift."""
        g = a.gear
        at_limiter = (a.engine_rpm >= c.limiter_rpm and g < a.top and not a.upshift_inhibit
                      and rpm_in(g + 1) >= c.min_upshift_rpm)  # not a slipping converter
        if at_limiter and (a.in_d or g in c.limiter_upshift_gears):
            return g + 1, Trigger.LIMITER
        if g > 1 and rpm_in(g) < c.anti_stall_rpm:
            return g - 1, Trigger.SCHEDULE
        return None
