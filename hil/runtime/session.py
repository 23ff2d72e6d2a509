"""A session runs emulated nodes on one bus with one clock: the same code in virtual and real time.

Each model steps on its own period (absolute deadlines, never accumulated); its cyclic
messages go out on their DBC cycle, its events at once. Frames sent here are delivered to
the local nodes exactly as the bus would, through decode and the E2E check; frames from the
bus arrive through the receive pump. Every frame is logged; bad ones are counted, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import can

from hil.bus.codec import Codec, MessageSpec, Signals
from hil.bus.e2e import E2EReceiver, E2EStatus
from hil.bus.echo import OwnEchoes
from hil.bus.faults.gate import BusGate
from hil.bus.faults.injector import FaultEvent
from hil.bus.faults.kinds import Frame
from hil.bus.health import BusHealth, SendOutage
from hil.bus.recorder import Recorder
from hil.logs import log
from hil.runtime.clock import Clock, RealTimeClock, VirtualClock
from hil.runtime.node import NodeModel, RxStore, RxView
from hil.runtime.realtime import RealtimeSettings, realtime_process, run_cycles
from hil.runtime.replay import RawFrame, RawSources

_GATE = -(1 << 40)  # heap order of the gate's timers: first at an instant, before raw sources and models
# (t_ns, spec, signals, sent_here): what observers (trace, MQTT, summaries) see of each good frame
FrameObserver = Callable[[int, MessageSpec, Signals, bool], None]


@dataclass
class _Scheduled:
    model: NodeModel
    next_step_ns: int
    # message -> next absolute send deadline; message -> latest values the model produced
    next_tx_ns: dict[str, int] = field(default_factory=dict)
    latest: dict[str, Signals] = field(default_factory=dict)


class Session:
    def __init__(
        self,
        codec: Codec,
        bus: can.BusABC,
        clock: Clock,
        models: Iterable[NodeModel],
        *,
        emulate: frozenset[str],
        recorder: Recorder | None = None,
        timeouts_ms: dict[str, float] | None = None,
        offsets_ms: dict[str, float] | None = None,
        max_delta_counter: int = 2,
        echoes: OwnEchoes | None = None,
        channel: str | None = None,
        realtime: RealtimeSettings | None = None,
    ) -> None:
        self.codec = codec
        self.echoes = echoes  # buses that hand a process its own frames back (udp_multicast)
        self.bus = bus
        self.channel = channel  # the rig's bus channel, carried by every frame sent (logs read it back)
        self.clock = clock
        self.recorder = recorder
        self.health = BusHealth()
        self._observers: list[FrameObserver] = []
        self.store = RxStore.for_codec(codec, timeouts_ms or {})
        self._receivers = {
            s.frame_id: E2EReceiver(s.frame_id, max_delta_counter) for s in codec.specs.values() if s.e2e
        }
        self._heap: list[tuple[int, int]] = []
        self._scheduled: list[_Scheduled] = []
        start = clock.now_ns()
        self._emulate = emulate
        self._start_ns = start
        self._offsets_ms = offsets_ms or {}
        for model in models:
            self.add_model(model)
        self._sendable = {s.name for s in codec.sent_by(emulate)}
        self._virtual = clock.virtual
        self._cycle_ns = {s.name: s.cycle_ns for s in codec.specs.values() if s.cycle_ns}
        self._raw = RawSources()  # heap entries with order -1-k are raw source k
        self._realtime = realtime or RealtimeSettings()
        self._gate: BusGate | None = None  # faults, diagnostics (set_gate)
        self._gate_due: int | None = None
        self._on_fault_event: Callable[[FaultEvent], None] = lambda event: None
        # Told once when sending starts failing (ENOBUFS, interface down) and once when it recovers.
        self.on_bus_state: Callable[[str], None] | None = None
        self._outage = SendOutage(self.health)

    # ---- receiving -------------------------------------------------------------------

    def on_bus_frame(self, msg: can.Message) -> None:
        """A frame from the bus (another process or real hardware)."""
        # Our own frames never come back (rigs refuse receive_own_messages), so every frame here
        # was received. python-can's socketcan flags frames of *other local sockets* (a player on
        # vcan0) as not-rx; mark them rx so they are delivered and logged as received.
        msg.is_rx = True
        h = self.health
        if msg.is_error_frame:
            h.error_frames += 1
            self._log(msg)
            return
        if self.echoes is not None and self.echoes.take(msg.arbitration_id, bytes(msg.data)):
            h.own_echoes += 1  # sent and logged already
            return
        h.frames_rx += 1
        self._log(msg)
        if msg.is_remote_frame:
            h.remote_frames += 1
            return
        if msg.is_extended_id:  # the powertrain CAN and its diagnostics are 11-bit: never one of ours
            h.unknown_id += 1
            return
        self._deliver(msg.arbitration_id, bytes(msg.data), self.clock.now_ns(), sent_here=False)

    def _deliver(self, frame_id: int, data: bytes, now_ns: int, sent_here: bool) -> None:
        gate = self._gate
        if gate is None or not gate.acts_on_rx(frame_id):
            self._decode(frame_id, data, now_ns, sent_here)
            return
        # Through the gate: rx faults, and diagnostic requests to their UDS endpoints (answered here)
        passage = gate.incoming(Frame(frame_id, data), now_ns)
        for f in passage.deliver:
            self._decode(f.frame_id, f.data, now_ns, sent_here)
        for f in passage.send:
            self._put(f"0x{f.frame_id:X}", f.frame_id, f.data, f.extended, now_ns)
        self._wake_gate(force=False)

    def _decode(self, frame_id: int, data: bytes, now_ns: int, sent_here: bool) -> None:
        spec = self.codec.by_id.get(frame_id)
        if spec is None:
            self.health.unknown_id += 1
            return
        if len(data) != spec.length:
            self.health.bad_length += 1
            return
        name = spec.name
        store = self.store
        rx = self._receivers.get(frame_id)
        if rx is not None and now_ns > store.deadline_ns.get(name, now_ns):
            rx.reset()  # after a timeout the sender may have restarted its counter
        try:
            decoded = self.codec.decode(spec, data, rx)
        except Exception:  # cantools may reject a corrupt payload in many ways
            self.health.decode_errors += 1
            return
        status = decoded.status
        if status is not E2EStatus.OK:
            self.health.e2e[f"{name}:{status.name}"] += 1
        store.update(name, decoded.signals, now_ns, status)
        if self._observers and status.usable:
            for obs in self._observers:
                obs(now_ns, spec, decoded.signals, sent_here)

    # ---- sending ---------------------------------------------------------------------

    def _send(self, name: str, values: Signals, t_ns: int) -> None:
        frame_id, data = self.codec.encode(name, values, self.health.non_finite)
        self._send_frame(name, frame_id, data, False, t_ns)

    def _send_frame(self, name: str, frame_id: int, data: bytes, extended: bool, t_ns: int) -> None:
        gate = self._gate
        if gate is None or not gate.acts_on_tx(frame_id):
            self._put(name, frame_id, data, extended, t_ns)
            return
        for f in gate.outgoing(Frame(frame_id, data, extended), t_ns):  # tx faults, CommunicationControl
            self._put(name, f.frame_id, f.data, f.extended, t_ns)
        self._wake_gate(force=False)

    def _put(self, name: str, frame_id: int, data: bytes, extended: bool, t_ns: int) -> None:
        """On the wire as it is: sent, logged, and delivered to the nodes here."""
        msg = can.Message(
            arbitration_id=frame_id, data=data, is_extended_id=extended,
            timestamp=self.clock.wall_s(t_ns), is_rx=False, channel=self.channel,
        )
        try:
            # Never block the loop: a frame the bus cannot take now is late anyway, so count it.
            self.bus.send(msg, 0.0)
        except (can.CanError, OSError) as exc:  # counted, and the frame is not logged as sent
            self._report(self._outage.failed(f"send {name}", exc, t_ns))
            return
        if self._outage.since_ns is not None:
            self._report(self._outage.recovered(t_ns))
        self.health.frames_tx += 1
        if self.echoes is not None:
            self.echoes.sent(frame_id, data)
        if self.recorder is not None:
            self.recorder.write(msg)
        self._deliver(frame_id, data, t_ns, True)

    def _report(self, text: str | None) -> None:
        if text is not None and self.on_bus_state is not None:
            self.on_bus_state(text)

    def _log(self, msg: can.Message) -> None:
        if self.recorder is not None:
            self.recorder.write(msg)

    # ---- scheduling ------------------------------------------------------------------

    def next_deadline_ns(self) -> int:
        return self._heap[0][0]

    @property
    def nodes(self) -> list[NodeModel]:
        """The node bindings in step order."""
        return [s.model for s in self._scheduled]

    def observe(self, observer: FrameObserver) -> None:
        """Call `observer` with every good frame from now on (sent here or received), in bus order."""
        self._observers.append(observer)

    def set_gate(self, gate: BusGate, on_event: Callable[[FaultEvent], None]) -> None:
        """Put `gate` between this session and its bus; `on_event` gets each fault start and end."""
        self._gate = gate
        self._on_fault_event = on_event
        self._wake_gate()

    def gate_changed(self) -> None:
        """A fault was injected or cleared: its timers may now be due sooner."""
        self._wake_gate()

    def _wake_gate(self, not_before: int = -1, *, force: bool = True) -> None:
        """Schedule the gate's next timer (faults starting or ending, held frames, ISO-TP timers)."""
        gate = self._gate
        if gate is None or not (force or gate.timers_changed):
            return
        nxt = gate.next_due_ns()
        if nxt is not None:
            nxt = max(nxt, not_before)  # a timer its own `due` did not consume never spins in place
        if nxt is not None and (self._gate_due is None or nxt < self._gate_due):
            self._gate_due = nxt
            heapq.heappush(self._heap, (nxt, _GATE))

    def _run_gate(self, t_ns: int) -> None:
        assert self._gate is not None
        if self._gate_due is not None and self._gate_due <= t_ns:
            self._gate_due = None
        passage = self._gate.due(t_ns)
        for event in passage.events:
            self._on_fault_event(event)
        for f in passage.send:
            self._put(f"0x{f.frame_id:X}", f.frame_id, f.data, f.extended, t_ns)
        for f in passage.deliver:
            self._decode(f.frame_id, f.data, t_ns, False)
        self._wake_gate(not_before=t_ns + 1)

    def _run_due(self, t_ns: int) -> None:
        """Step the model at the top of the heap (due at t_ns) and send what is due."""
        _, order = heapq.heappop(self._heap)
        if order == _GATE:
            self._run_gate(t_ns)
            return
        if order < 0:
            self._run_raw(t_ns, -1 - order)
            return
        sched = self._scheduled[order]
        # The model steps on its deadline (exact dt); frames carry the time they really leave,
        # which in real time may be later. A stall longer than a cycle skips, never bursts.
        now = t_ns if self._virtual else self.clock.now_ns()
        tx = sched.model.step(t_ns, RxView(self.store, t_ns))
        latest = sched.latest
        latest.update(tx.cyclic)
        next_tx = sched.next_tx_ns
        for name, due in next_tx.items():
            if due <= t_ns and name in latest:
                self._send(name, latest[name], now)
                cycle = self._cycle_ns[name]
                nxt = due + cycle
                while nxt <= now:  # sent more than a cycle after its deadline: counted as late
                    nxt += cycle
                    self.health.late_frames += 1
                next_tx[name] = nxt
        for name, values in tx.events:
            if name in self._sendable:
                self._send(name, values, now)
        period = sched.model.period_ns
        sched.next_step_ns += period
        while sched.next_step_ns <= now:
            sched.next_step_ns += period
        heapq.heappush(self._heap, (sched.next_step_ns, order))

    @property
    def start_ns(self) -> int:
        """Clock time of the first deadline: every cyclic frame is due at start + k x cycle."""
        return self._start_ns

    def add_model(self, model: NodeModel) -> None:
        """Schedule one more node model; its first step is at the session start plus its offset.
        Models added at one instant step in the order they were added."""
        order = len(self._scheduled)
        first = self._start_ns + int(self._offsets_ms.get(model.name, 0.0) * 1e6)
        sched = _Scheduled(model, first)
        for spec in self.codec.sent_by(frozenset(model.nodes) & self._emulate):
            if spec.cycle_ns:
                sched.next_tx_ns[spec.name] = first
        self._scheduled.append(sched)
        heapq.heappush(self._heap, (first, order))

    def add_raw_frames(self, frames: Iterable[RawFrame]) -> None:
        """Send these frames byte for byte at their times (ns from the session start), e.g. a
        recorded log replayed. Scheduled on the same heap as the models, so virtual and real
        time play them alike; at one instant they go out before the models step."""
        added = self._raw.add(frames)
        if added is not None:
            heapq.heappush(self._heap, (self._start_ns + added[1], -1 - added[0]))

    def _run_raw(self, t_ns: int, k: int) -> None:
        frames, nxt = self._raw.take(k, t_ns - self._start_ns)
        for _, frame_id, data, extended in frames:
            self._send_frame(f"raw 0x{frame_id:X}", frame_id, data, extended, t_ns)
        if nxt is not None:
            heapq.heappush(self._heap, (self._start_ns + nxt, -1 - k))

    def _drain_bus(self) -> None:
        """Virtual time: take frames other participants put on the bus, at the current instant."""
        for _ in range(10_000):
            try:
                msg = self.bus.recv(0.0)
            except (can.CanError, OSError) as exc:
                self.health.rx_errors += 1
                self.health.last_error = f"receive: {exc}"
                return
            if msg is None:
                return
            self.on_bus_frame(msg)

    def advance(self, until_ns: int) -> None:
        """Virtual time only: run every step due up to and including `until_ns`."""
        clock = self.clock
        assert isinstance(clock, VirtualClock), "advance() is for virtual time"
        drained_at = -1
        while self._heap and self._heap[0][0] <= until_ns:
            t = self._heap[0][0]
            clock.advance_to(t)
            if t != drained_at:  # once per instant: nothing external arrives between our steps
                self._drain_bus()
                drained_at = t
            self._run_due(t)
        clock.advance_to(max(until_ns, clock.now_ns()))
        self._drain_bus()

    async def run(self, until_ns: int | None, stop: asyncio.Event) -> int:
        """Step until `until_ns` (None: forever) or until `stop` is set; returns the clock time
        reached. In real time, frames from the bus arrive through the Rig's receive pump."""
        clock = self.clock
        if isinstance(clock, RealTimeClock):
            with realtime_process(self._realtime, log.warning):
                clock.restart_at(self._heap[0][0] if self._heap else clock.now_ns())
                try:
                    await run_cycles(clock, self._heap, self._run_due, until_ns, stop)
                finally:
                    clock.close()
                if not self._heap and not stop.is_set():  # a rig emulating no node: time still passes
                    await self._idle(until_ns, stop)
            return clock.now_ns()
        drained_at = -1
        while self._heap and not stop.is_set():
            t = self._heap[0][0]
            if until_ns is not None and t > until_ns:
                if isinstance(clock, VirtualClock):
                    clock.advance_to(until_ns)  # nothing is due before the end: the run reached it
                break
            await clock.wait_until(t)
            if clock.virtual and t != drained_at:
                self._drain_bus()
                drained_at = t
            self._run_due(t)
        if not self._heap and not stop.is_set():  # nothing to step (a rig emulating no node): time still passes
            await self._idle(until_ns, stop)
        return clock.now_ns()

    async def _idle(self, until_ns: int | None, stop: asyncio.Event) -> None:
        if isinstance(self.clock, VirtualClock):
            if until_ns is not None:
                self.clock.advance_to(until_ns)
            return
        timeout = None if until_ns is None else max(0.0, (until_ns - self.clock.now_ns()) / 1e9)
        with contextlib.suppress(TimeoutError):  # real time: listen (the pump logs the bus) until the end
            await asyncio.wait_for(stop.wait(), timeout)

    def drain(self) -> None:
        """Take what is waiting on the bus now (virtual time: at the current instant)."""
        self._drain_bus()
