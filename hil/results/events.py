"""Events detected on decoded bus frames: shifts, rejects, handbrake pulls, axle locks, faults.

Works live (a session observer) and after the fact (`detect_events` over a Trace); both give
the same list. Only bus data is used, never model internals; enum values are named from the
DBC value tables, so an event reads the way the car's log would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from hil.bus.codec import Codec, MessageSpec, Signals
from hil.results.outdir import write_file
from hil.results.trace import Trace

FieldValue = float | int | str


class EventKind(StrEnum):
    SHIFT = "shift"                          # every TCU_ShiftEvent frame, all its fields
    SHIFT_REJECT = "shift_reject"            # TCU_Status.ShiftRejectReason becomes non-NONE or changes
    HANDBRAKE_PULL = "handbrake_pull"        # DRV_Controls.HandbrakeLever rises over pull_pct
    HANDBRAKE_RELEASE = "handbrake_release"  # ... and falls back under release_pct
    REAR_AXLE_LOCK = "rear_axle_lock"        # HHB_Status.RearAxleLocked 0 -> 1
    REAR_AXLE_UNLOCK = "rear_axle_unlock"    # HHB_Status.RearAxleLocked 1 -> 0
    CENTRE_OPEN = "centre_open"              # DCU_Status.CentreMode enters OPEN or HANDBRAKE_OPEN
    CENTRE_CLOSE = "centre_close"            # ... and leaves it
    FAULT = "fault"                          # a fault signal becomes active (or changes code)
    FAULT_CLEARED = "fault_cleared"          # ... and goes back to no fault; or an injected fault ends
    FAULT_INJECTED = "fault_injected"        # an injected fault starts (fields: fault_id, kind, message...)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened on the bus, at the bus time of the frame that showed it."""

    kind: EventKind
    t_ns: int
    fields: Mapping[str, FieldValue] = field(default_factory=dict)

    @property
    def t_s(self) -> float:
        return self.t_ns / 1e9

    def to_json(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "t_ns": self.t_ns, "t_s": round(self.t_s, 6), "fields": dict(self.fields)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        return cls(EventKind(data["kind"]), int(data["t_ns"]), dict(data.get("fields", {})))


@dataclass(frozen=True, slots=True)
class EventThresholds:
    """Where a lever movement counts as a pull: over `pull_pct`, released under `release_pct`."""

    pull_pct: float = 10.0
    release_pct: float = 5.0


# (message, signal) pairs that report a fault, and the raw value meaning "no fault"
_FAULT_SIGNALS: tuple[tuple[str, str, int], ...] = (
    ("HHB_Status", "FaultCode", 0),
    ("TCU_Status", "InputsLost", 0),
    ("ECM_Engine", "EngineStalled", 0),
)
_HHB_STATE_FAULT = "FAULT"
_CENTRE_OPEN_MODES = frozenset({"OPEN", "HANDBRAKE_OPEN"})


def _name(spec: MessageSpec, signal: str, value: float) -> FieldValue:
    """Value-table name of an enum signal, else the number (integers stay integers)."""
    table = spec.choices.get(signal)
    if table is not None:
        return table.get(int(value), str(int(value)))
    return int(value) if float(value).is_integer() else value


@dataclass
class EventDetector:
    """Session observer: append to `session.observers`; events collect in `events`.

    `listeners` are called with each event as it is detected (MQTT bridge, progress, ...).
    """

    thresholds: EventThresholds = field(default_factory=EventThresholds)
    events: list[Event] = field(default_factory=list)
    listeners: list[Callable[[Event], None]] = field(default_factory=list)
    _lever_on: bool = False
    _pull_ns: int | None = None
    _reject: int = 0
    _locked: bool = False
    _centre_open: bool | None = None
    _faults: dict[str, FieldValue] = field(default_factory=dict)
    _speed_kph: float = 0.0

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        handler = _HANDLERS.get(spec.name)
        if handler is not None:
            handler(self, t_ns, spec, sig)

    def record(self, kind: EventKind, t_ns: int, fields: Mapping[str, Any]) -> None:
        """An event that no frame shows (an injected fault starting or ending), in bus time."""
        self._emit(kind, t_ns, {k: v for k, v in fields.items() if isinstance(v, str | int | float | bool)})

    def _emit(self, kind: EventKind, t_ns: int, fields: dict[str, FieldValue]) -> None:
        ev = Event(kind, t_ns, fields)
        self.events.append(ev)
        for listener in self.listeners:
            listener(ev)

    def _fault(self, t_ns: int, spec: MessageSpec, signal: str, active: bool, value: FieldValue) -> None:
        key = f"{spec.name}.{signal}"
        before = self._faults.get(key)
        if active and before != value:
            self._faults[key] = value
            self._emit(EventKind.FAULT, t_ns, {"source": key, "code": value})
        elif not active and before is not None:
            del self._faults[key]
            self._emit(EventKind.FAULT_CLEARED, t_ns, {"source": key, "code": before})

    def _faults_in(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        for msg, signal, ok in _FAULT_SIGNALS:
            if msg == spec.name and signal in sig:
                raw = int(sig[signal])
                self._fault(t_ns, spec, signal, raw != ok, _name(spec, signal, raw))

    def _on_shift(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        self._emit(EventKind.SHIFT, t_ns, {k: _name(spec, k, v) for k, v in sig.items()})

    def _on_tcu_status(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        reason = int(sig["ShiftRejectReason"])
        if reason not in (0, self._reject):
            self._emit(EventKind.SHIFT_REJECT, t_ns, {
                "ShiftRejectReason": _name(spec, "ShiftRejectReason", reason),
                "GearActual": _name(spec, "GearActual", sig["GearActual"]),
                "GearTarget": _name(spec, "GearTarget", sig["GearTarget"]),
            })
        self._reject = reason
        self._faults_in(t_ns, spec, sig)

    def _on_drv(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        lever = sig["HandbrakeLever"]
        th = self.thresholds
        if not self._lever_on and lever > th.pull_pct:
            self._lever_on, self._pull_ns = True, t_ns
            self._emit(EventKind.HANDBRAKE_PULL, t_ns, {
                "HandbrakeLever": _name(spec, "HandbrakeLever", lever),
                "VehicleSpeed": _name(spec, "VehicleSpeed", self._speed_kph),
            })
        elif self._lever_on and lever < th.release_pct:
            held_ms = (t_ns - (self._pull_ns or t_ns)) / 1e6
            self._lever_on, self._pull_ns = False, None
            self._emit(EventKind.HANDBRAKE_RELEASE, t_ns, {
                "HandbrakeLever": _name(spec, "HandbrakeLever", lever), "HeldMs": held_ms,
            })

    def _on_abs(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        self._speed_kph = sig["VehicleSpeed"]

    def _on_hhb(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        locked = sig["RearAxleLocked"] >= 0.5
        if locked != self._locked:
            self._locked = locked
            self._emit(EventKind.REAR_AXLE_LOCK if locked else EventKind.REAR_AXLE_UNLOCK, t_ns, {
                "RearBrakePressure": sig["RearBrakePressure"],
                "State": _name(spec, "State", sig["State"]),
            })
        state = _name(spec, "State", sig["State"])
        self._fault(t_ns, spec, "State", state == _HHB_STATE_FAULT, state)
        self._faults_in(t_ns, spec, sig)

    def _on_dcu(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        mode = _name(spec, "CentreMode", sig["CentreMode"])
        is_open = mode in _CENTRE_OPEN_MODES
        if self._centre_open is None:  # first frame: the starting state is not an event
            self._centre_open = is_open
            return
        if is_open != self._centre_open:
            self._centre_open = is_open
            self._emit(EventKind.CENTRE_OPEN if is_open else EventKind.CENTRE_CLOSE, t_ns, {
                "CentreMode": mode, "CentreCouplingTorque": sig["CentreCouplingTorque"],
            })

    def _on_ecm(self, t_ns: int, spec: MessageSpec, sig: Signals) -> None:
        self._faults_in(t_ns, spec, sig)


_HANDLERS: dict[str, Callable[[EventDetector, int, MessageSpec, Signals], None]] = {
    "TCU_ShiftEvent": EventDetector._on_shift,
    "TCU_Status": EventDetector._on_tcu_status,
    "DRV_Controls": EventDetector._on_drv,
    "ABS_WheelSpeeds": EventDetector._on_abs,
    "HHB_Status": EventDetector._on_hhb,
    "DCU_Status": EventDetector._on_dcu,
    "ECM_Engine": EventDetector._on_ecm,
}


def detect_events(trace: Trace, codec: Codec, thresholds: EventThresholds | None = None) -> list[Event]:
    """The events of a recorded trace (same result as the live observer on the same frames)."""
    det = EventDetector(thresholds or EventThresholds())
    specs = codec.specs
    for f in trace.frames:
        spec = specs.get(f.name)
        if spec is not None:
            det(f.t_ns, spec, f.signals, f.sent_here)
    return det.events


def of_kind(events: Iterable[Event], kind: EventKind) -> list[Event]:
    return [e for e in events if e.kind is kind]


def write_events(path: Path, events: Iterable[Event]) -> Path:
    """events.json, whole or not at all (a full disk never leaves it empty)."""
    write_file(path, json.dumps([e.to_json() for e in events], indent=1) + "\n")
    return path


def read_events(path: Path) -> list[Event]:
    return [Event.from_json(d) for d in json.loads(path.read_text())]
