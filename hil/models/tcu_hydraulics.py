"""The TCU's commands to the valve body and the engine: shift-element pressures and torque
intervention, during a shift and while the new gear's element applies in full after it.

After a shift the new element ramps from its shift pressure to line pressure, and after an
upshift the engine torque ceiling ramps from the cut back to the torque at the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.models.enums import NO_TORQUE_LIMIT_NM, Intervention, ShiftPhase
from hil.models.tcu_shift import Shift, ShiftCalibration

_NS_PER_MS = 1_000_000
_LONG_AGO_NS = -(1 << 62)


@dataclass(frozen=True, slots=True)
class Commands:
    offgoing_bar: float  # element of the engaged gear (GearActual)
    oncoming_bar: float  # element of the shift's new gear (0 without a shift)
    torque_limit_nm: float
    intervention: Intervention
    blip_target_rpm: float


def _ramp(now_ns: int, start_ns: int, span_ms: float, start: float, end: float) -> float:
    if span_ms <= 0.0:
        return end
    f = (now_ns - start_ns) / (span_ms * _NS_PER_MS)
    return end if f >= 1.0 else start + (end - start) * max(0.0, f)


class Hydraulics:
    """Pressure and torque ramps that outlive a shift."""

    def __init__(self, cal: ShiftCalibration) -> None:
        self.cal = cal
        self._apply_ns = _LONG_AGO_NS
        self._apply_from_bar = cal.line_bar
        self._restore: tuple[int, float, float] | None = None  # (from ns, cut Nm, torque Nm at the request)

    def held_bar(self, now_ns: int) -> float:
        """Pressure of the engaged gear's element: line, or still ramping there after a shift."""
        return _ramp(now_ns, self._apply_ns, self.cal.apply_ramp_ms, self._apply_from_bar, self.cal.line_bar)

    def reset(self) -> None:
        """A garage change (N, P, R, D): the new gear's element at line pressure, no torque ramp."""
        self._apply_ns, self._apply_from_bar, self._restore = _LONG_AGO_NS, self.cal.line_bar, None

    def shift_done(self, now_ns: int, shift: Shift, torque_at_request_nm: float) -> None:
        """The new element applies in full from its last shift pressure; an upshift's cut ramps out."""
        self._apply_ns = now_ns
        self._apply_from_bar = shift.pressures(now_ns)[1]
        self._restore = (now_ns, shift.cut_nm, torque_at_request_nm) if shift.up else None

    def _restored_limit(self, now_ns: int) -> float | None:
        if self._restore is None:
            return None
        start, cut, torque = self._restore
        if now_ns - start >= self.cal.torque_restore_ms * _NS_PER_MS:
            self._restore = None
            return None
        return _ramp(now_ns, start, self.cal.torque_restore_ms, cut, max(cut, torque))

    def commands(self, now_ns: int, engaged: bool, shift: Shift | None, new_sync_rpm: float,
                 limit_nm: float = NO_TORQUE_LIMIT_NM) -> Commands:
        """This step's commands; `engaged` is a gear that holds (not N or P); `limit_nm` a ceiling
        from elsewhere (limp)."""
        held = self.held_bar(now_ns) if engaged else 0.0
        if shift is None:
            restored = self._restored_limit(now_ns)
            if restored is not None:
                return Commands(held, 0.0, min(limit_nm, restored), Intervention.UPSHIFT_CUT, 0.0)
            return Commands(held, 0.0, limit_nm, Intervention.NONE, 0.0)
        self._restore = None
        offgoing, oncoming = shift.pressures(now_ns)
        if shift.phase is ShiftPhase.INERTIA and shift.up:
            return Commands(offgoing, oncoming, min(limit_nm, shift.cut_nm), Intervention.UPSHIFT_CUT, 0.0)
        if shift.phase is ShiftPhase.INERTIA or (shift.phase is ShiftPhase.TORQUE and shift.offgoing_slips):
            # rev-match through the ratio change, and in a power-on downshift until the oncoming grips
            return Commands(offgoing, oncoming, limit_nm, Intervention.DOWNSHIFT_BLIP, new_sync_rpm)
        return Commands(offgoing, oncoming, limit_nm, Intervention.NONE, 0.0)


def lockup_command(closed: bool, *, allowed: bool, shifting: bool, turbine_rpm: float, open_rpm: float,
                   close_rpm: float) -> bool:
    """The converter lock-up command: open when not allowed or at low turbine speed (even mid-shift),
    close above `close_rpm`, never in the middle of a shift."""
    if not allowed or (closed and turbine_rpm < open_rpm):
        return False
    if shifting:
        return closed
    return closed or turbine_rpm >= close_rpm
