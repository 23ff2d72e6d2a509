"""One clutch-to-clutch shift in execution: the pressure profiles of the two shift elements.

The TCU commands pressures and times the fill and torque phases; the inertia phase lasts as
long as the physics takes to bring the input (turbine) shaft to the new gear's synchronous
speed, which the TCU sees on its turbine speed sensor (docs/gearbox.md#shift-phases). A
power-on upshift and a power-off downshift hand the load over first (FILL, TORQUE, INERTIA);
a power-off upshift and a power-on downshift change the ratio first (FILL, INERTIA, TORQUE).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.models.enums import ShiftKind, ShiftPhase, Trigger

_NS_PER_MS = 1_000_000
LEFT_OLD_GEAR_RPM = 50.0  # t2: the input is this far (or 2 %) off the old gear's speed
LEFT_OLD_GEAR_FRACTION = 0.02
# kinds that hand the load over before the ratio moves; the others change the ratio first
TORQUE_FIRST = frozenset({ShiftKind.POWER_ON_UP, ShiftKind.POWER_OFF_DOWN})


class ShiftProfile(Strict):
    """One shift kind's clutch-to-clutch profile."""

    fill_ms: float = Field(ge=1, le=2000)  # oncoming element filled and held at its return spring
    torque_ms: float = Field(ge=1, le=2000)  # load handover: one element's pressure ramps down, the other's up
    # the pressure that sets the inertia phase: the oncoming element's (upshifts, power-off
    # downshifts; torque-first kinds add a share of the engine torque); in a power-on downshift the
    # offgoing element's, slipping while the rev-matched engine flares against it (lower = faster)
    inertia_bar: float = Field(ge=0, le=25)


class ShiftCalibration(Strict):
    """Pressure profiles per shift kind and the hydraulics they share (defaults: rally "Performance")."""

    decision_ms: float = Field(default=20.0, ge=1, le=500)  # latch + CAN/solenoid scheduling, shown as FILL
    power_on_up: ShiftProfile = ShiftProfile(fill_ms=40.0, torque_ms=30.0, inertia_bar=7.0)
    power_off_up: ShiftProfile = ShiftProfile(fill_ms=40.0, torque_ms=20.0, inertia_bar=2.6)
    power_on_down: ShiftProfile = ShiftProfile(fill_ms=40.0, torque_ms=20.0, inertia_bar=2.0)
    power_off_down: ShiftProfile = ShiftProfile(fill_ms=40.0, torque_ms=20.0, inertia_bar=4.0)
    line_bar: float = Field(default=18.0, ge=2, le=25)  # E: a closed element (holds twice the engine torque)
    fill_bar: float = Field(default=1.0, ge=0, le=5)  # E: filled piston at its return spring: no torque yet
    # E: inertia-phase pressure added per 100 Nm of engine torque at the request (torque-first kinds),
    # so the oncoming element carries the load as well as pulling the input across; a deeper cut
    # leaves it more to pull
    oncoming_bar_per_100nm: float = Field(default=0.6, ge=0, le=5)
    sync_band_rpm: float = Field(default=50.0, ge=5, le=500)  # t3: input within this of the new gear...
    sync_confirm_ms: float = Field(default=20.0, ge=0, le=500)  # ...for this long (docs/gearbox.md#shift-time-metrics)
    inertia_timeout_ms: float = Field(default=600.0, ge=50, le=5000)  # no sync by then: oncoming to line pressure
    apply_ramp_ms: float = Field(default=60.0, ge=0, le=2000)  # after the shift: new element to line pressure
    torque_restore_ms: float = Field(default=40.0, ge=0, le=2000)  # after an upshift: the cut ramps out

    @model_validator(mode="after")
    def _pressures(self) -> ShiftCalibration:
        if not self.fill_bar < self.line_bar:
            raise ValueError("fill_bar must be below line_bar")
        for kind in ShiftKind:
            if self.of(kind).inertia_bar > self.line_bar:
                raise ValueError(f"{kind.name.lower()}.inertia_bar must not exceed line_bar")
        return self

    def of(self, kind: int) -> ShiftProfile:
        """Profile of a `ShiftKind` (enum order: POWER_ON_UP, POWER_OFF_UP, POWER_ON_DOWN, POWER_OFF_DOWN)."""
        return (self.power_on_up, self.power_off_up, self.power_on_down, self.power_off_down)[kind]


def shift_kind(up: bool, power_on: bool) -> ShiftKind:
    if up:
        return ShiftKind.POWER_ON_UP if power_on else ShiftKind.POWER_OFF_UP
    return ShiftKind.POWER_ON_DOWN if power_on else ShiftKind.POWER_OFF_DOWN


@dataclass(frozen=True, slots=True)
class ShiftEvent:
    from_gear: int
    to_gear: int
    shift_time_ms: int  # request to the input synchronous with the new gear (t3 - t0)
    kind: ShiftKind
    trigger: Trigger
    counter: int
    dead_time_ms: int  # request to the input leaving the old gear (t2 - t0)
    inertia_phase_ms: int  # t3 - t2


@dataclass(frozen=True, slots=True)
class ShiftSpeeds:
    """What the TCU measures for a shift: the input (turbine) speed and both gears' synchronous speeds."""

    turbine_rpm: float
    old_sync_rpm: float
    new_sync_rpm: float


@dataclass(slots=True)
class Shift:
    from_gear: int
    to_gear: int
    kind: ShiftKind
    trigger: Trigger
    request_ns: int  # paddle edge or schedule decision: t0
    fill_end_ns: int
    torque_ns: int  # torque phase length
    inertia_bar: float  # the inertia phase's controlling pressure (with the torque share)
    offgoing_bar: float  # the old element's pressure when the shift started
    cut_nm: float  # upshift inertia-phase engine torque ceiling
    cal: ShiftCalibration
    phase: ShiftPhase = ShiftPhase.FILL
    phase_start_ns: int = 0
    left_old_ns: int | None = None  # t2
    in_band_ns: int | None = None  # input within the sync band since
    synced_ns: int | None = None  # t3
    prev_off_new_rpm: float = 0.0  # turbine minus the new gear's speed at the last step (a crossing)
    # power-on upshifts and power-off downshifts hand the load over before the ratio moves
    torque_first: bool = True
    # a power-on downshift (converter closed): the offgoing element slips under the flaring engine
    offgoing_slips: bool = False

    @classmethod
    def plan(cls, now_ns: int, from_gear: int, to_gear: int, *, power_on: bool, trigger: Trigger,
             request_ns: int, cal: ShiftCalibration, slow_factor: float, torque_nm: float, cut_nm: float,
             offgoing_bar: float, lockup: bool = True) -> Shift:
        """A shift from `now_ns`; `slow_factor` > 1 (hot oil) stretches the timed phases and
        softens the inertia pressure by the same factor. With the converter open (`lockup` False)
        a power-on downshift cannot flare the turbine with the engine: the oncoming element pulls
        it across as in a power-off downshift (that kind's profile and order)."""
        kind = shift_kind(to_gear > from_gear, power_on)
        as_kind = ShiftKind.POWER_OFF_DOWN if kind is ShiftKind.POWER_ON_DOWN and not lockup else kind
        p = cal.of(as_kind)
        scale = _NS_PER_MS * slow_factor
        pressure = cal.fill_bar + (p.inertia_bar - cal.fill_bar) / slow_factor
        if as_kind in TORQUE_FIRST:  # the oncoming element carries the engine's load through the ratio change
            pressure += cal.oncoming_bar_per_100nm * max(0.0, torque_nm) / 100.0
        return cls(from_gear, to_gear, kind, trigger, request_ns,
                   fill_end_ns=now_ns + int((cal.decision_ms + p.fill_ms) * scale),
                   torque_ns=int(p.torque_ms * scale), inertia_bar=min(cal.line_bar, pressure),
                   offgoing_bar=offgoing_bar, cut_nm=cut_nm, cal=cal, phase_start_ns=now_ns,
                   torque_first=as_kind in TORQUE_FIRST, offgoing_slips=as_kind is ShiftKind.POWER_ON_DOWN)

    @property
    def up(self) -> bool:
        return self.to_gear > self.from_gear

    def _enter(self, phase: ShiftPhase, now_ns: int) -> None:
        self.phase, self.phase_start_ns = phase, now_ns

    def advance(self, now_ns: int, speeds: ShiftSpeeds) -> bool:
        """Move through the phases on what the sensors say; True once the shift is complete."""
        if self.phase is ShiftPhase.FILL:
            if now_ns < self.fill_end_ns:
                return False
            self._enter(ShiftPhase.TORQUE if self.torque_first else ShiftPhase.INERTIA, now_ns)
        off_old = abs(speeds.turbine_rpm - speeds.old_sync_rpm)
        if self.left_old_ns is None and off_old > max(LEFT_OLD_GEAR_RPM, LEFT_OLD_GEAR_FRACTION * speeds.old_sync_rpm):
            self.left_old_ns = now_ns
        off_new = speeds.turbine_rpm - speeds.new_sync_rpm
        in_band = abs(off_new) < self.cal.sync_band_rpm
        crossed = self.phase is ShiftPhase.INERTIA and off_new * self.prev_off_new_rpm < 0.0
        self.prev_off_new_rpm = off_new
        if not in_band:
            self.in_band_ns = None
        elif self.in_band_ns is None:
            self.in_band_ns = now_ns
        confirm_ns = int(self.cal.sync_confirm_ms * _NS_PER_MS)
        confirmed = self.in_band_ns is not None and now_ns - self.in_band_ns >= confirm_ns
        if self.phase is ShiftPhase.TORQUE:
            if now_ns - self.phase_start_ns < self.torque_ns:
                return False
            if not self.torque_first:  # gripped and applied in full: done once the input holds the new gear
                return confirmed
            self._enter(ShiftPhase.INERTIA, now_ns)
            return False
        if self.torque_first:
            if confirmed:
                self.synced_ns = self.in_band_ns
            return confirmed
        if self.in_band_ns is not None or crossed:  # reached the new gear: the oncoming element takes the load
            self.synced_ns = self.in_band_ns if self.in_band_ns is not None else now_ns
            self._enter(ShiftPhase.TORQUE, now_ns)
        return False

    def _fraction(self, now_ns: int) -> float:
        return min(1.0, max(0.0, (now_ns - self.phase_start_ns) / max(1, self.torque_ns)))

    def inertia_pressure(self, now_ns: int) -> float:
        """The inertia phase's controlling pressure: line pressure on the oncoming element once the
        phase overruns its timeout."""
        timeout_ns = int(self.cal.inertia_timeout_ms * _NS_PER_MS)
        return self.cal.line_bar if now_ns - self.phase_start_ns >= timeout_ns else self.inertia_bar

    def pressures(self, now_ns: int) -> tuple[float, float]:
        """(offgoing, oncoming) element pressure commands now, in bar."""
        cal = self.cal
        if self.phase is ShiftPhase.FILL:
            return self.offgoing_bar, cal.fill_bar
        if self.phase is ShiftPhase.INERTIA:
            p = self.inertia_pressure(now_ns)
            if self.offgoing_slips and p < cal.line_bar:
                return p, cal.fill_bar
            return 0.0, p
        f = self._fraction(now_ns)
        if self.torque_first:  # handover: offgoing ramps out while the oncoming ramps to its inertia pressure
            return self.offgoing_bar * (1.0 - f), cal.fill_bar + (self.inertia_bar - cal.fill_bar) * f
        if self.offgoing_slips:  # at the new gear's speed: the slipping offgoing hands over to the oncoming
            return self.inertia_bar * (1.0 - f), cal.fill_bar + (cal.line_bar - cal.fill_bar) * f
        return 0.0, self.inertia_bar + (cal.line_bar - self.inertia_bar) * f  # gripped: apply in full

    def progress_pct(self, now_ns: int, speeds: ShiftSpeeds) -> float:
        """Progress through the current phase: time in FILL/TORQUE, the ratio change in INERTIA."""
        if self.phase is ShiftPhase.FILL:
            start = self.phase_start_ns
            return min(100.0, max(0.0, 100.0 * (now_ns - start) / max(1, self.fill_end_ns - start)))
        if self.phase is ShiftPhase.TORQUE:
            return 100.0 * self._fraction(now_ns)
        span = speeds.new_sync_rpm - speeds.old_sync_rpm
        if abs(span) < 1.0:
            return 100.0
        return min(100.0, max(0.0, 100.0 * (speeds.turbine_rpm - speeds.old_sync_rpm) / span))

    def event(self, now_ns: int, counter: int) -> ShiftEvent:
        synced = self.synced_ns if self.synced_ns is not None else now_ns
        left = self.left_old_ns if self.left_old_ns is not None and self.left_old_ns <= synced else synced
        return ShiftEvent(
            from_gear=self.from_gear, to_gear=self.to_gear,
            shift_time_ms=round((synced - self.request_ns) / _NS_PER_MS),
            kind=self.kind, trigger=self.trigger, counter=counter,
            dead_time_ms=round((left - self.request_ns) / _NS_PER_MS),
            inertia_phase_ms=round((synced - left) / _NS_PER_MS),
        )
