"""The gate between a session and its bus: faults both ways, diagnostics, CommunicationControl.

The session hands every frame it is about to send to `outgoing` and every frame it is about to
deliver to its nodes (received, or sent here) to `incoming`; what comes back is what really goes
out or in. Diagnostic request IDs never reach the cyclic decode path: they go to the UDS
endpoints, whose answers leave through `outgoing` like any frame (so a fault can hit them too).
Time-driven work (delayed and babbled frames, ISO-TP timers, fault start/end events) is due at
`next_due_ns()` and collected by `due(t)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hil.bus.faults.injector import FaultEvent, Injector
from hil.bus.faults.kinds import Frame


class DiagPort(Protocol):
    """A controller's UDS endpoint as the gate sees it (hil.diag.endpoint.DiagEndpoint)."""

    @property
    def ids(self) -> frozenset[int]: ...

    def on_frame(self, frame_id: int, data: bytes, now_ns: int) -> list[tuple[int, bytes]]: ...

    def poll(self, now_ns: int) -> list[tuple[int, bytes]]: ...

    def next_due_ns(self) -> int | None: ...


@dataclass(slots=True)
class Passage:
    """What became of frames at the gate: delivered to the nodes, put on the wire, events."""

    deliver: list[Frame] = field(default_factory=list)
    send: list[Frame] = field(default_factory=list)
    events: list[FaultEvent] = field(default_factory=list)


class BusGate:
    def __init__(self, injector: Injector, ports: Sequence[DiagPort] = (),
                 muted: Callable[[int], bool] = lambda frame_id: False) -> None:
        self.injector = injector
        self.ports = tuple(ports)
        self._by_id: dict[int, list[DiagPort]] = {}
        for port in self.ports:
            for frame_id in port.ids:
                self._by_id.setdefault(frame_id, []).append(port)
        self.diag_ids = frozenset(self._by_id)
        self._muted = muted  # CommunicationControl: this normal frame's sender has stopped sending
        self.muted_frames = 0
        self._port_touched = False

    def acts_on_tx(self, frame_id: int) -> bool:
        """Whether `outgoing` could change this frame (else the session sends it as it is)."""
        return frame_id in self.injector.tx_ids or self._muted(frame_id)

    def acts_on_rx(self, frame_id: int) -> bool:
        """Whether `incoming` could change this frame (else the session delivers it as it is)."""
        return frame_id in self.diag_ids or frame_id in self.injector.rx_ids

    @property
    def timers_changed(self) -> bool:
        """Something happened since the last `next_due_ns()` that may bring a timer sooner."""
        return self._port_touched or self.injector.timers_changed

    def outgoing(self, frame: Frame, now_ns: int) -> list[Frame]:
        """A node's frame about to be sent: [] while its sender is silenced, else after tx faults."""
        if self._muted(frame.frame_id):
            self.muted_frames += 1
            return []
        return self.injector.on_tx(frame, now_ns)

    def incoming(self, frame: Frame, now_ns: int) -> Passage:
        """A frame about to reach the nodes (from the bus, or sent here)."""
        out = Passage()
        self._route(self.injector.on_rx(frame, now_ns), now_ns, out)
        return out

    def _route(self, frames: list[Frame], now_ns: int, out: Passage) -> None:
        """Diagnostic requests to their endpoints (answers to the wire), the rest to the nodes."""
        for frame in frames:
            ports = None if frame.extended else self._by_id.get(frame.frame_id)
            if ports is None:
                out.deliver.append(frame)
                continue
            self._port_touched = True
            for port in ports:
                out.send += self._answers(port.on_frame(frame.frame_id, frame.data, now_ns), now_ns)

    def _answers(self, frames: list[tuple[int, bytes]], now_ns: int) -> list[Frame]:
        return [f for frame_id, data in frames for f in self.injector.on_tx(Frame(frame_id, data), now_ns)]

    def next_due_ns(self) -> int | None:
        self._port_touched = self.injector.timers_changed = False
        times = [t for t in (self.injector.next_due_ns(), *(p.next_due_ns() for p in self.ports)) if t is not None]
        return min(times) if times else None

    def due(self, now_ns: int) -> Passage:
        out = Passage()
        due = self.injector.due(now_ns)
        out.events = due.events
        out.send = due.tx
        self._route(due.rx, now_ns, out)
        for port in self.ports:
            out.send += self._answers(port.poll(now_ns), now_ns)
        return out
