"""One clutch-to-clutch shift in execution: FILL -> TORQUE -> INERTIA on absolute deadlines.

Planned from the calibrated phase times of its kind; reports its phase and progress, and at
the end the shift event with the times measured from the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.models.enums import ShiftKind, ShiftPhase, Trigger
from hil.models.tcu_schedule import ShiftTimesCalibration

_NS_PER_MS = 1_000_000


def shift_kind(up: bool, power_on: bool) -> ShiftKind:
    if up:
        return ShiftKind.POWER_ON_UP if power_on else ShiftKind.POWER_OFF_UP
    return ShiftKind.POWER_ON_DOWN if power_on else ShiftKind.POWER_OFF_DOWN


@dataclass(frozen=True, slots=True)
class ShiftEvent:
    from_gear: int
    to_gear: int
    shift_time_ms: int  # request to GearActual = new gear
    kind: ShiftKind
    trigger: Trigger
    counter: int
    dead_time_ms: int  # request to start of inertia phase
    inertia_phase_ms: int


@dataclass(slots=True)
class Shift:
    from_gear: int
    to_gear: int
    kind: ShiftKind
    trigger: Trigger
    request_ns: int  # paddle edge or schedule decision: what ShiftTimeMs counts from
    start_ns: int
    fill_end_ns: int
    torque_end_ns: int
    inertia_end_ns: int
    cut_nm: float  # upshift inertia-phase engine torque ceiling
    inertia_start_ns: int | None = None  # first step actually in INERTIA

    @classmethod
    def plan(cls, now_ns: int, from_gear: int, to_gear: int, *, power_on: bool, trigger: Trigger,
             request_ns: int, times: ShiftTimesCalibration, slow_factor: float, cut_nm: float) -> Shift:
        kind = shift_kind(to_gear > from_gear, power_on)
        t = times.of(kind)
        scale = _NS_PER_MS * slow_factor
        fill_end = now_ns + int((times.decision_ms + t.fill_ms) * scale)
        torque_end = fill_end + int(t.torque_ms * scale)
        inertia_end = torque_end + int(t.inertia_ms * scale)
        return cls(from_gear, to_gear, kind, trigger, request_ns, now_ns, fill_end, torque_end, inertia_end, cut_nm)

    @property
    def up(self) -> bool:
        return self.to_gear > self.from_gear

    def advance(self, now_ns: int) -> bool:
        """Note the start of INERTIA; True once the shift is complete (the new gear is engaged)."""
        if now_ns >= self.torque_end_ns and self.inertia_start_ns is None:
            self.inertia_start_ns = now_ns
        return now_ns >= self.inertia_end_ns

    def phase(self, now_ns: int) -> tuple[ShiftPhase, float]:
        """Current phase and the progress through it (0..100 %)."""
        if self.inertia_start_ns is not None:
            start, end, phase = self.inertia_start_ns, self.inertia_end_ns, ShiftPhase.INERTIA
        elif now_ns >= self.fill_end_ns:
            start, end, phase = self.fill_end_ns, self.torque_end_ns, ShiftPhase.TORQUE
        else:
            start, end, phase = self.start_ns, self.fill_end_ns, ShiftPhase.FILL
        return phase, min(100.0, max(0.0, 100.0 * (now_ns - start) / max(1, end - start)))

    def event(self, now_ns: int, counter: int) -> ShiftEvent:
        inertia_start = self.inertia_start_ns if self.inertia_start_ns is not None else self.torque_end_ns
        return ShiftEvent(
            from_gear=self.from_gear, to_gear=self.to_gear,
            shift_time_ms=round((now_ns - self.request_ns) / _NS_PER_MS),
            kind=self.kind, trigger=self.trigger, counter=counter,
            dead_time_ms=round((inertia_start - self.request_ns) / _NS_PER_MS),
            inertia_phase_ms=round((now_ns - inertia_start) / _NS_PER_MS),
        )
