"""The fault injector: the faults of one run between the session and the bus, both directions.

Pure and deterministic: every answer depends only on the faults given and the integer-ns
times passed in. The owner of the run asks `next_due_ns()` and calls `due(t)` then, which
returns the fault events and the frames whose time has come (delayed, babbled).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Literal

from hil.bus.codec import Codec
from hil.bus.e2e import protect
from hil.bus.faults.kinds import (
    Babble,
    BadCrc,
    BadDataId,
    CounterSkip,
    Delay,
    Drop,
    Fault,
    Frame,
    Insert,
    Patch,
    Repeat,
    Stuck,
    Target,
    Timed,
)
from hil.bus.faults.spec import Direction, FaultSpec, check_fault, out_of_range_raw
from hil.errors import FaultError

MAX_LIVE_FAULTS = 64
EventName = Literal["fault_injected", "fault_cleared"]


@dataclass(frozen=True, slots=True)
class FaultEvent:
    t_ns: int
    name: EventName
    fault_id: str
    fields: dict[str, Any]


@dataclass(slots=True)
class Due:
    """What `due(t)` hands back: events in time order, frames to put on the wire / deliver."""

    events: list[FaultEvent] = field(default_factory=list)
    tx: list[Frame] = field(default_factory=list)
    rx: list[Frame] = field(default_factory=list)


class Injector:
    def __init__(self, codec: Codec, emulated: frozenset[str]) -> None:
        self.codec = codec
        self.emulated = emulated
        self._faults: dict[str, Fault] = {}  # live (not yet cleared), in injection order
        self._announced: set[str] = set()
        self._index: dict[tuple[Direction, int], list[Fault]] = {}
        # frame IDs some fault acts on, per direction: the session's fast path skips every other frame
        self.tx_ids: frozenset[int] = frozenset()
        self.rx_ids: frozenset[int] = frozenset()
        self.timers_changed = False  # a fault added or cleared, or a frame held: next_due_ns may be sooner
        self._pending: list[tuple[int, int, Direction, Frame]] = []  # (due, seq, direction, frame)
        self._seq = 0
        self._count = 0

    @property
    def idle(self) -> bool:
        """No fault and no held frame: the session can skip the injector entirely."""
        return not self._faults and not self._pending

    @property
    def faults(self) -> list[Fault]:
        return list(self._faults.values())

    # ---- adding and clearing -----------------------------------------------------------

    def inject(self, spec: FaultSpec, now_ns: int, *, file: str = "<fault>") -> Fault:
        """Add a fault starting `spec.at_ns` after `now_ns`; FaultError (nothing added) if invalid."""
        check_fault(spec, self.codec, file=file)
        if len(self._faults) >= MAX_LIVE_FAULTS:
            raise FaultError(file, "", f"more than {MAX_LIVE_FAULTS} faults at once")
        self._count += 1
        fault = self._build(f"F{self._count}", spec, now_ns + spec.at_ns)
        self._faults[fault.fault_id] = fault
        self._reindex()
        self.timers_changed = True
        return fault

    def clear(self, fault_id: str, now_ns: int) -> bool:
        """End a fault now (its `fault_cleared` event comes from the next `due`); False if unknown."""
        fault = self._faults.get(fault_id)
        if fault is None:
            return False
        fault.clear(now_ns)
        self.timers_changed = True
        return True

    def _reindex(self) -> None:
        self._index = {}
        for fault in self._faults.values():
            for frame_id in fault.ids:
                self._index.setdefault((fault.direction, frame_id), []).append(fault)
        self.tx_ids = frozenset(i for d, i in self._index if d == "tx")
        self.rx_ids = frozenset(i for d, i in self._index if d == "rx")

    # ---- frames ------------------------------------------------------------------------

    def on_tx(self, frame: Frame, now_ns: int) -> list[Frame]:
        """Frames to put on the wire now in place of `frame` (later ones are held)."""
        return self._apply("tx", frame, now_ns)

    def on_rx(self, frame: Frame, now_ns: int) -> list[Frame]:
        """Frames to deliver to the emulated nodes now in place of a received `frame`."""
        return self._apply("rx", frame, now_ns)

    def _apply(self, direction: Direction, frame: Frame, now_ns: int) -> list[Frame]:
        chain = self._index.get((direction, frame.frame_id))
        if not chain or frame.extended:
            return [frame]
        items: list[Timed] = [(now_ns, frame)]
        for fault in chain:
            if fault.active(now_ns):
                items = [out for t, f in items for out in (fault.applies(f, t) if fault.matches(f) else [(t, f)])]
        now: list[Frame] = []
        for t, f in items:
            if t <= now_ns:
                now.append(f)
            else:
                self._seq += 1
                heapq.heappush(self._pending, (t, self._seq, direction, f))
                self.timers_changed = True
        return now

    # ---- time --------------------------------------------------------------------------

    def next_due_ns(self) -> int | None:
        times = [self._pending[0][0]] if self._pending else []
        for fault in self._faults.values():
            if fault.fault_id not in self._announced:
                times.append(fault.start_ns)
            elif fault.end_ns is not None:
                times.append(fault.end_ns)
            nxt = fault.next_frame_ns()
            if nxt is not None:
                times.append(nxt)
        return min(times) if times else None

    def due(self, now_ns: int) -> Due:
        out = Due()
        for fault in list(self._faults.values()):
            if fault.fault_id not in self._announced and fault.start_ns <= now_ns:
                self._announced.add(fault.fault_id)
                out.events.append(self._event(fault.start_ns, "fault_injected", fault))
            generated = fault.generate(now_ns)
            (out.tx if fault.direction == "tx" else out.rx).extend(generated)
            if fault.end_ns is not None and fault.end_ns <= now_ns:
                if fault.fault_id in self._announced:
                    out.events.append(self._event(fault.end_ns, "fault_cleared", fault))
                del self._faults[fault.fault_id]
                self._announced.discard(fault.fault_id)
                self._reindex()
        while self._pending and self._pending[0][0] <= now_ns:
            _, _, direction, frame = heapq.heappop(self._pending)
            (out.tx if direction == "tx" else out.rx).append(frame)
        out.events.sort(key=lambda e: e.t_ns)
        return out

    @staticmethod
    def _event(t_ns: int, name: EventName, fault: Fault) -> FaultEvent:
        fields = {"fault_id": fault.fault_id, "direction": fault.direction, **fault.spec.summary()}
        return FaultEvent(t_ns, name, fault.fault_id, fields)

    # ---- building ----------------------------------------------------------------------

    def _build(self, fault_id: str, spec: FaultSpec, start_ns: int) -> Fault:
        codec = self.codec
        if spec.kind == "silence":
            sent = codec.sent_by({spec.node or ""})
            direction = spec.direction or ("tx" if spec.node in self.emulated else "rx")
            return Drop(fault_id, spec, Target(frozenset(s.frame_id for s in sent), direction, False, 0), start_ns)
        msg = codec.specs[spec.message or ""]
        target = Target(frozenset({msg.frame_id}), spec.direction or (
            "tx" if msg.sender in self.emulated else "rx"), msg.e2e, msg.length)
        simple: dict[str, type[Fault]] = {
            "drop": Drop, "delay": Delay, "repeat": Repeat, "counter_skip": CounterSkip,
            "bad_crc": BadCrc, "bad_data_id": BadDataId}
        if spec.kind in simple:
            return simple[spec.kind](fault_id, spec, target, start_ns)
        if spec.kind in ("stuck", "out_of_range"):
            return Stuck(fault_id, spec, target, start_ns, self._patch(spec))
        if spec.kind == "insert":
            data = bytes.fromhex(spec.data) if spec.data is not None else None
            patch = self._patch(spec) if spec.signal is not None else None
            return Insert(fault_id, spec, target, start_ns, patch=patch, data=data)
        return Babble(fault_id, spec, target, start_ns, self._babble_payload(spec))

    def _patch(self, spec: FaultSpec) -> Patch:
        name, signal = spec.message or "", spec.signal or ""
        layout = self.codec.raw_layout(name, signal)
        raw = out_of_range_raw(layout) if spec.value is None else layout.raw(spec.value)
        assert raw is not None  # checked against the DBC on inject
        codec = self.codec
        return lambda data: codec.with_raw(name, data, {signal: raw})

    def _babble_payload(self, spec: FaultSpec) -> bytes:
        """`data` as given, else the message's DBC defaults with a valid E2E header (counter 0)."""
        if spec.data is not None:
            return bytes.fromhex(spec.data)
        msg = self.codec.specs[spec.message or ""]
        raws = {s: self.codec.raw_layout(msg.name, s).raw(v) for s, v in msg.defaults.items()}
        payload = bytearray(self.codec.with_raw(msg.name, bytes(msg.length), raws))
        if msg.e2e:
            protect(payload, msg.frame_id, 0)
        return bytes(payload)
