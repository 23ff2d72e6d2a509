"""The bridge between a running session and an MQTT broker.

The session side is a frame observer and an event listener that only append to a bounded
`Outbox` (never await, never block the CAN loop). The broker side is one task group: a link
task that connects, subscribes, publishes and reconnects with jittered exponential backoff,
and a status task that republishes the retained status periodically and on change. Commands
are parsed (and stages loaded) in a worker thread. The bridge supervises itself: whatever
fails in it is logged, the retained status says `offline`, and it starts over after a pause;
the CAN session never notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiomqtt

from hil.bus.codec import MessageSpec, Signals
from hil.config.overrides import RunningCalibration, Value
from hil.logs import log
from hil.mqtt.client import LinkStats, connection_lost, either, make_client, to_json
from hil.mqtt.commands import CommandContext, Commands
from hil.mqtt.config import MqttSection, resolve
from hil.mqtt.outbox import Outbox, Outgoing
from hil.mqtt.topics import Topics
from hil.mqtt.verdicts import StageRecording
from hil.results.events import Event
from hil.runtime.clock import RealTimeClock
from hil.runtime.session import Session
from hil.stage.player import StagePlayer

PUBLISH_TIMEOUT_S = 5.0
SHUTDOWN_S = 3.0  # after stop: flush what is queued and say "offline" within this bound
STATUS_POLL_S = 0.1
YIELD_EVERY = 8  # publications between forced yields to the event loop (CAN deadlines)


class MqttBridge:
    """Telemetry, events, status and commands for one session. `run(stop)` until stop is set."""

    def __init__(
        self, cfg: MqttSection, *, rig_name: str, rig_file: Path, session: Session, player: StagePlayer,
        calibration: RunningCalibration, set_calibration: Callable[[str, Value], dict[str, Any]],
        inject_fault: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        clear_fault: Callable[[str], bool] | None = None,
    ) -> None:
        self.cfg = cfg
        self.rig_name = rig_name
        self.rig_file = rig_file
        self.session = session
        self.player = player
        self.calibration = calibration
        self.topics = Topics(cfg.prefix_for(rig_name))
        self.outbox = Outbox(cfg.queue_size)
        self.stats = LinkStats()
        self._outage_reported = False
        self.commands = Commands(CommandContext(
            player=player, set_calibration=set_calibration,
            stages_dir=resolve(rig_file.parent, cfg.stages_dir), now_ns=session.clock.now_ns,
            on_event=self.publish_event, codec=session.codec, inject_fault=inject_fault, clear_fault=clear_fault,
        ), max_payload_bytes=cfg.max_payload_kib * 1024)
        # message -> telemetry period (0: every frame, for event messages); absent: not published
        self._period_ns: dict[str, int] = {}
        for name, spec in session.codec.specs.items():
            period = cfg.period_ns(name)
            if period is not None:
                self._period_ns[name] = period if spec.cycle_ns else 0
        self._next_ns: dict[str, int] = {}
        self._event_seq = 0
        self._started = time.monotonic()
        self._status_key: tuple[Any, ...] = ()
        self._stage_done = False
        self._recording: StageRecording | None = None  # the playing stage's expectation inputs
        self._stopping = False  # the run is ending (not the bridge failing)
        self.end_reason = "stopped"  # what the final status says on a run's end (the Rig sets its outcome)

    # ---- session side: called from the CAN loop, never blocks ----------------------------

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        """Frame observer: rate-limit per message on bus time, queue without serialising."""
        rec = self._stage_recording()
        if rec is not None:
            rec(t_ns, spec, sig, sent_here)
        period = self._period_ns.get(spec.name)
        if period is None:
            return
        if period:
            nxt = self._next_ns.get(spec.name)
            if nxt is not None and t_ns < nxt:
                return
            # fixed slots keep the average rate exact; after a gap, restart from this frame
            nxt = t_ns + period if nxt is None or t_ns >= nxt + period else nxt + period
            self._next_ns[spec.name] = nxt
        self.outbox.put_telemetry(Outgoing(self.topics.signals(spec.name), (spec, t_ns, sig)))

    def publish_event(self, kind: str, fields: dict[str, Any], t_ns: int | None = None) -> None:
        """Queue an event at QoS 1 on `events/<kind>` (never dropped for telemetry)."""
        t = self.session.clock.now_ns() if t_ns is None else t_ns
        self._event_seq += 1
        body = {"kind": kind, "rig": self.rig_name, "seq": self._event_seq, "t_s": round(t / 1e9, 6),
                "t_ns": t, "fields": fields}
        self.outbox.put_event(Outgoing(self.topics.event(kind), to_json(body), qos=1))

    def _stage_recording(self) -> StageRecording | None:
        """What the playing stage's expectations need (None when it has none)."""
        p = self.player
        if p.timeline is None or not p.timeline.expectations:
            return None
        rec = self._recording
        if rec is None or rec.timeline is not p.timeline or rec.start_ns != p.start_ns:
            rec = self._recording = StageRecording(p.timeline, p.start_ns)
        return rec

    def on_event(self, event: Event) -> None:
        """The run's event listener: shifts, rejects, handbrake, axle locks, faults."""
        rec = self._stage_recording()
        if rec is not None:
            rec.on_event(event)
        self.publish_event(str(event.kind), dict(event.fields), event.t_ns)

    # ---- status --------------------------------------------------------------------------

    def status(self, state: str | None = None) -> dict[str, Any]:
        s = self.session
        now = s.clock.now_ns()
        p = self.player
        running = p.playing and not p.finished(now)
        store = s.store
        timed_out = sorted(
            name for name, limit in store.timeouts_ns.items()
            if (last := store.last_ok_ns.get(name)) is None or now - last > limit
        )
        health: dict[str, Any] = s.health.as_dict()
        health["timed_out"] = timed_out
        health["bad_frames"] = s.health.bad_frames
        if isinstance(s.clock, RealTimeClock):
            health["lateness_ms"] = s.clock.lateness.summary_ms()
        ob = self.outbox
        return {
            "state": state or ("running" if running else "idle"),
            "rig": self.rig_name,
            "stage": p.timeline.name if p.timeline is not None else None,
            "stage_elapsed_s": round(p.elapsed_ns(now) / 1e9, 3),
            "calibration": self.calibration.as_status(),
            "bus_time_s": round(now / 1e9, 3),
            "uptime_s": round(time.monotonic() - self._started, 3),
            "health": health,
            "bridge": {
                "connects": self.stats.connects,
                "connection_losses": self.stats.connection_losses,
                "published": self.stats.published,
                "queued": len(ob),
                "telemetry_dropped": ob.telemetry_dropped,
                "events_dropped": ob.events_dropped,
                "commands_ok": self.commands.handled,
                "commands_rejected": self.commands.rejected,
                "restarts": self.stats.restarts,
                "last_error": self.stats.last_error,
            },
        }

    def _queue_status(self, state: str | None = None) -> None:
        self.outbox.put_status(Outgoing(self.topics.status, to_json(self.status(state)), qos=1, retain=True))

    def _check_stage(self) -> StageRecording | None:
        """Publish `stage_end` once a stage has run its length; return its recording to judge."""
        finished: StageRecording | None = None
        now = self.session.clock.now_ns()
        p = self.player
        done = p.finished(now)
        if done and not self._stage_done and p.timeline is not None:
            self.publish_event("stage_end", {"stage": p.timeline.name, "reason": "completed",
                                             "elapsed_s": p.elapsed_ns(now) / 1e9})
            rec, self._recording = self._recording, None
            if rec is not None and rec.timeline is p.timeline:
                finished = rec
        self._stage_done = done
        return finished

    async def _publish_verdicts(self, rec: StageRecording) -> None:
        """One `verdict` event per expectation of the completed stage, at the stage's end time.
        Judged in a worker thread: a long stage's checks must not hold up the CAN loop."""
        t_end = rec.start_ns + rec.timeline.duration_ns
        for v in await asyncio.to_thread(rec.verdicts):
            self.publish_event("verdict", {"stage": rec.timeline.name, **v.to_json()}, t_end)

    async def _status_loop(self, quit_: asyncio.Event) -> None:
        last = -1e9
        while not quit_.is_set():
            finished = self._check_stage()
            if finished is not None:
                await self._publish_verdicts(finished)
            now = self.session.clock.now_ns()
            p = self.player
            key = (p.playing and not p.finished(now), p.timeline.name if p.timeline else None,
                   id(p.timeline), len(self.calibration.overrides), self.stats.connects)
            mono = time.monotonic()
            if key != self._status_key or mono - last >= self.cfg.status_period_s:
                self._status_key, last = key, mono
                self._queue_status()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(quit_.wait(), STATUS_POLL_S)

    def summary(self) -> str:
        """For the end of a run: where it published, how much, and what it had to drop."""
        ob, st = self.outbox, self.stats
        state = "connected" if st.connected else (f"not reached ({st.last_error})" if not st.connects else "lost")
        return (f"mqtt {self.cfg.host}:{self.cfg.port}{' (TLS)' if self.cfg.tls else ''}: {st.published} published, "
                f"{ob.telemetry_dropped} telemetry and {ob.events_dropped} events dropped, "
                f"{st.connects} connect(s), {st.connection_losses} loss(es); {state}")

    # ---- broker side ---------------------------------------------------------------------

    def _client(self) -> aiomqtt.Client:
        will = to_json({"state": "offline", "rig": self.rig_name, "reason": "connection lost"})
        return make_client(self.cfg, self.rig_name, self.rig_file.parent, status=(self.topics.status, will),
                           timeout_s=PUBLISH_TIMEOUT_S)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; then flush, publish a retained `offline` status, disconnect (bounded).
        Never raises: a failure inside the bridge is logged and the bridge starts over."""
        delay = self.cfg.reconnect_min_s
        while True:
            # `quit_` ends this incarnation: set on stop, or by any of its tasks that fails. Its
            # loops watch it as well as being cancelled, because Python 3.11's wait_for (inside
            # aiomqtt's publish) can swallow a cancellation that meets a completing publish.
            quit_ = asyncio.Event()
            try:
                async with asyncio.TaskGroup() as tg:
                    link = tg.create_task(self._halting(self._link(quit_), quit_), name="hil.mqtt.link")
                    tg.create_task(self._halting(self._status_loop(quit_), quit_), name="hil.mqtt.status")
                    tg.create_task(self._shutdown_guard(stop, quit_, link), name="hil.mqtt.shutdown")
                return
            except Exception as exc:  # ExceptionGroup: a bug or a library surprise, not a lost broker
                self.stats.restarts += 1
                self.stats.connected = False
                first = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) else exc
                self.stats.last_error = f"bridge failed: {type(first).__name__}: {first}"
                log.error("MQTT bridge failed (%s); the CAN session runs on, the bridge starts over",
                          self.stats.last_error, exc_info=exc)
            if stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, self.cfg.reconnect_max_s)

    async def _halting(self, work: Coroutine[Any, Any, None], quit_: asyncio.Event) -> None:
        """A task of the bridge: if it fails, the others end too (and say `offline`)."""
        try:
            await work
        except BaseException:
            quit_.set()
            self.outbox.wake.set()
            raise

    async def _shutdown_guard(self, stop: asyncio.Event, quit_: asyncio.Event, link: asyncio.Task[None]) -> None:
        await either(stop, quit_)
        self._stopping = stop.is_set()
        if self._stopping:
            quit_.set()
            finished = self._check_stage()  # a run that stops at its stage's end still reports it
            if finished is not None:
                await self._publish_verdicts(finished)
        self.outbox.wake.set()
        _, pending = await asyncio.wait({link}, timeout=SHUTDOWN_S)
        if pending:
            link.cancel()

    async def _link(self, quit_: asyncio.Event) -> None:
        delay = self.cfg.reconnect_min_s
        while not quit_.is_set():
            lost = False
            try:
                async with self._client() as client:
                    self.stats.connected = True
                    self.stats.connects += 1
                    if self._outage_reported:
                        log.warning("MQTT broker %s:%d reached again", self.cfg.host, self.cfg.port)
                    self._outage_reported = False
                    delay = self.cfg.reconnect_min_s
                    try:
                        await self._connected(client, quit_)
                    finally:
                        self.stats.connected = False
            except* aiomqtt.MqttError as group:  # the broker went away: reconnect
                lost = True
                self.stats.last_error = str(group.exceptions[0])
            if not lost:
                return
            if not self._outage_reported:  # once per outage, on stderr: the run itself goes on
                self._outage_reported = True
                log.warning("MQTT broker %s:%d %s: %s; the run goes on, retrying in the background",
                            self.cfg.host, self.cfg.port, "lost" if self.stats.connects else "unreachable",
                            self.stats.last_error)
            self.stats.connection_losses += 1
            # exponential backoff with jitter: a fleet of rigs does not reconnect in lockstep
            pause = delay * (0.5 + random.random() / 2)
            delay = min(delay * 2, self.cfg.reconnect_max_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(quit_.wait(), pause)

    async def _connected(self, client: aiomqtt.Client, quit_: asyncio.Event) -> None:
        await client.subscribe(self.topics.commands, qos=1)
        self._queue_status()  # a fresh connection always (re)publishes the status
        try:
            async with asyncio.TaskGroup() as tg:
                commands = tg.create_task(self._command_loop(client), name="hil.mqtt.commands")
                await self._publish_loop(client, quit_)
                commands.cancel()
        except BaseException as exc:
            # Leaving by an error or a cancel: the client disconnects cleanly, so the broker
            # drops the will - say `offline` ourselves first (a lost link has no one to say it to).
            if not connection_lost(exc):
                await self._say_offline(client, f"bridge stopped: {type(exc).__name__}")
            raise
        await self._say_offline(client, self.end_reason if self._stopping else "bridge failed, starting over")

    async def _say_offline(self, client: aiomqtt.Client, reason: str) -> None:
        self.outbox.status = None
        body = {**self.status("offline"), "reason": reason}
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError, asyncio.CancelledError):
            await client.publish(self.topics.status, to_json(body), qos=1, retain=True, timeout=1.0)

    async def _command_loop(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if message.retain:
                continue  # a retained command is stale by definition: never act on one
            name = self.topics.command_name(str(message.topic))
            if name is None:
                continue
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
            # parsing and stage loading in a worker thread: a big or nasty payload never stalls the CAN loop
            pending = await asyncio.to_thread(self.commands.prepare, name, payload)
            reply = self.commands.execute(pending)
            self.outbox.put_event(Outgoing(self.topics.reply(name), reply, qos=1))
            finished = self._check_stage()
            if finished is not None:
                await self._publish_verdicts(finished)

    async def _publish_loop(self, client: aiomqtt.Client, quit_: asyncio.Event) -> None:
        ob = self.outbox
        while True:
            if ob.status is not None:
                item = ob.status
                await client.publish(item.topic, item.payload, qos=1, retain=True)
                if ob.status is item:
                    ob.status = None
            elif ob.events:
                item = ob.events[0]  # removed only once the broker has it: survives a reconnect
                await client.publish(item.topic, item.payload, qos=item.qos, retain=item.retain)
                ob.events.popleft()
            elif ob.telemetry:
                item = ob.telemetry.popleft()
                spec, t_ns, sig = item.payload
                try:
                    await client.publish(item.topic, self._telemetry(spec, t_ns, sig), qos=0)
                except aiomqtt.MqttError:
                    ob.telemetry_dropped += 1
                    raise
            else:
                if quit_.is_set():
                    return
                ob.wake.clear()
                await ob.wake.wait()
                continue
            self.stats.published += 1
            if self.stats.published % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a QoS 0 publish may complete without yielding: let the CAN loop in

    def _telemetry(self, spec: MessageSpec, t_ns: int, sig: Signals) -> bytes:
        labels = {k: spec.choices[k].get(int(v), str(int(v))) for k, v in sig.items() if k in spec.choices}
        return to_json({
            "message": spec.name,
            "t_s": round(t_ns / 1e9, 6),
            "timestamp": round(self.session.clock.wall_s(t_ns), 6),
            "signals": sig,
            "units": {k: u for k, u in spec.units.items() if u},
            "labels": labels,
        })

