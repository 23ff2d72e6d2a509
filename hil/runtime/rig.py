"""The Rig owns a run: bus, clock, session, CAN log, results, event detector, MQTT bridge, receive pump.

    async with Rig(prepared, out=folder) as rig:    # opens bus, log, observers, bridge, pump
        outcome = await rig.run()                    # to the stage's end, a stop, or a signal

Every run is assembled here and nowhere else; observers register through `observe`/`on_event`,
live calibration writes go through `set_calibration` to the nodes that declare the section.
Teardown, in this order on every exit path (end, exception, SIGINT/SIGTERM, cancellation):
1 stop the nodes, 2 drain the pump, 3 close the CAN log, 4 finish observers (verdicts only at the
stage's end), 5 run.json, 6 final MQTT status, 7 close the bus. Virtual time can also be stepped
by hand: `with Rig(p) as rig: rig.advance(t_ns)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import can

from hil import extras
from hil.bus.codec import Codec
from hil.bus.faults import FaultEvent, FaultSpec, parse_fault
from hil.bus.health import BusHealth
from hil.bus.pump import ReceivePump
from hil.bus.recorder import Recorder
from hil.config.overrides import RunningCalibration, Value
from hil.diag.node import DiagnosedNode
from hil.diag.wiring import Diagnostics, wire
from hil.errors import UsageError
from hil.nodes.registry import build_nodes
from hil.results.events import Event, EventDetector, EventKind
from hil.results.folder import RunResults, kpi_settings, write_run_info
from hil.results.outdir import inside
from hil.results.progress import ProgressObserver, Report
from hil.runtime.clock import Clock
from hil.runtime.ending import ERROR_LOG, log_error, run_info, stop_reason
from hil.runtime.node import NodeModel
from hil.runtime.outcome import RunOutcome
from hil.runtime.prepare import Prepared, new_session, open_bus
from hil.runtime.session import FrameObserver, Session
from hil.runtime.stop import StopSignals
from hil.stage.player import StagePlayer

if TYPE_CHECKING:
    from hil.mqtt.bridge import MqttBridge

__all__ = ["ERROR_LOG", "Rig"]
_STAGE_END = -1  # `until_ns` default: the rig's duration (its --duration, else the stage's length)


class Rig:
    """One run of a prepared rig. Not reusable: a Rig opens once and closes once."""

    def __init__(
        self, prepared: Prepared, *, out: Path | None = None, until_ns: int | None = _STAGE_END,
        bus: can.BusABC | None = None, player: StagePlayer | None = None, results: bool = True,
        trace: bool = True, mqtt: bool = True, progress: Report | None = None,
        models: Iterable[NodeModel] | None = None, handle_signals: bool = False,
    ) -> None:
        self.prepared = prepared
        self.out = out
        self.until_ns = prepared.duration_ns if until_ns == _STAGE_END else until_ns
        self.player = player or StagePlayer(prepared.stage)
        self.calibration = RunningCalibration.of(prepared.calibration)
        self.events = EventDetector(kpi_settings(prepared.calibration).thresholds)
        self.results: RunResults | None = None
        self.outcome: RunOutcome | None = None
        self.bridge: MqttBridge | None = None
        self._given_bus = bus
        self._want_results, self._want_trace, self._want_mqtt = results, trace, mqtt
        self._progress = progress
        self._models = list(models) if models is not None else None
        self._signals = StopSignals() if handle_signals else None
        self._stop = asyncio.Event()
        self._stop_reason = ""
        self._bus: can.BusABC | None = None
        self._recorder: Recorder | None = None
        self._session: Session | None = None
        self._diag: Diagnostics | None = None
        self._pump: ReceivePump | None = None
        self._exits: contextlib.AsyncExitStack | None = None
        self._task_group: asyncio.TaskGroup
        self._bridge_stop = asyncio.Event()
        self._failure: Exception | None = None
        self._closed = False
        self._wall0 = time.perf_counter()

    # ---- what a run is made of -------------------------------------------------------------

    @property
    def session(self) -> Session:
        if self._session is None:
            raise UsageError("the rig is not open: use `with Rig(...)` or `async with Rig(...)`")
        return self._session

    @property
    def codec(self) -> Codec:
        return self.prepared.codec

    @property
    def clock(self) -> Clock:
        return self.session.clock

    @property
    def health(self) -> BusHealth:
        return self.session.health

    @property
    def nodes(self) -> list[NodeModel]:
        """The node bindings (a diagnosed controller's own binding, not its diagnostics wrapper)."""
        return [n.node if isinstance(n, DiagnosedNode) else n for n in self.session.nodes]

    @property
    def bus(self) -> can.BusABC:
        return self.session.bus

    @property
    def start_ns(self) -> int:
        return self.session.start_ns

    def observe(self, observer: FrameObserver) -> None:
        """Call `observer(t_ns, spec, signals, sent_here)` with every good frame from now on."""
        self.session.observe(observer)

    def on_event(self, listener: Callable[[Event], None]) -> None:
        """Call `listener(event)` with every event the run's one detector finds (shifts, faults...)."""
        self.events.listeners.append(listener)

    def add_model(self, model: NodeModel) -> None:
        """Step one more node model (a test probe, an extra emulated node)."""
        self.session.add_model(model)

    def set_calibration(self, key: str, value: Value) -> dict[str, Any]:
        """A live calibration write by dotted key, checked like a file (CalibrationError, nothing
        changed); the nodes that accept the section take it from their next step."""
        old, new = self.calibration.set(key, value)
        section = key.split(".", 1)[0]
        applied = []
        for node in self.session.nodes:  # a diagnosed controller's wrapper passes it on
            if section in node.accepts:
                node.apply_calibration(self.calibration.values)
                applied.append(node.name)
        return {"key": key, "old": old, "new": new, "applied_to": applied}

    # ---- faults and diagnostics ------------------------------------------------------------

    @property
    def diagnostics(self) -> Diagnostics:
        """The run's fault injector, bus gate and diagnosed controllers (UDS servers, DTCs)."""
        if self._diag is None:
            raise UsageError("the rig is not open: use `with Rig(...)` or `async with Rig(...)`")
        return self._diag

    def inject_fault(self, fault: FaultSpec | Mapping[str, Any]) -> str:
        """Inject a fault (a FaultSpec, or its fields as in a stage file); its `at` counts from now.
        FaultError, and nothing applied, if it does not fit the DBC. Returns the fault id."""
        spec = fault if isinstance(fault, FaultSpec) else parse_fault(fault, self.codec, file="<api>")
        injected = self.diagnostics.injector.inject(spec, self.clock.now_ns(), file="<api>")
        self.session.gate_changed()
        return injected.fault_id

    def clear_fault(self, fault_id: str) -> bool:
        """End a fault now (False if there is no such live fault)."""
        cleared = self.diagnostics.injector.clear(fault_id, self.clock.now_ns())
        self.session.gate_changed()
        return cleared

    def _inject_for_mqtt(self, fields: dict[str, Any]) -> dict[str, Any]:
        spec = parse_fault(fields, self.codec, file="fault/inject")
        fault_id = self.inject_fault(spec)
        return {"fault_id": fault_id, **spec.window_s(self.clock.now_ns() - self.start_ns), **spec.summary()}

    def _fault_event(self, event: FaultEvent) -> None:
        self.events.record(EventKind(event.name), event.t_ns, event.fields)

    def _rebuild_node(self, name: str) -> NodeModel:
        """A controller after ECUReset: its model from scratch, with the run's calibration now."""
        (node,) = build_nodes(frozenset({name}), self.prepared.calibration, self.player)
        node.apply_calibration(self.calibration.values)
        return node

    def stop(self, reason: str = "stopped") -> None:
        """Ask a running `run()` to end at the next step (thread-unsafe: call on the loop)."""
        if not self._stop_reason:
            self._stop_reason = reason
        self._stop.set()

    # ---- opening ---------------------------------------------------------------------------

    def _open(self) -> None:
        prep, rig = self.prepared, self.prepared.rig
        self._bus = self._given_bus or open_bus(rig)
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._recorder = Recorder(inside(self.out, rig.spec.rig.log, str(rig.path), "rig.log"))
        models = self._models if self._models is not None else build_nodes(
            rig.emulate, prep.calibration, self.player)
        diag = self._diag = wire(models, prep.codec, rig.emulate, vin=rig.spec.rig.vin,
                                 calibration_sha256=prep.calibration.sha256,
                                 limp_c=prep.calibration.values.tcu.thermal.limp_c, rebuild=self._rebuild_node)
        session = self._session = new_session(prep, self._bus, diag.nodes, self._recorder)
        session.observe(self.events)
        session.set_gate(diag.gate, self._fault_event)
        for fault in prep.stage.faults:  # times from the stage start, which is the session start
            diag.injector.inject(fault, session.start_ns, file=str(prep.rig.spec.rig.stage or "<stage>"))
        if self.out is not None and self._want_results:
            self.results = RunResults(self.out, kpi_settings(prep.calibration), signal_trace=self._want_trace,
                                      stage=prep.stage)
            for obs in self.results.frame_observers():
                session.observe(obs)
            self.on_event(self.results.on_event)
        if self._progress is not None:
            session.observe(ProgressObserver(self._progress))
        if prep.stage.replay is not None:  # a recorded log stands in for the nodes not emulated
            session.add_raw_frames((f.t_ns, f.arbitration_id, f.data, f.is_extended_id)
                                   for f in prep.stage.replay.for_rig(prep.codec, rig.emulate))

    def _open_bridge(self) -> None:
        cfg = self.prepared.rig.spec.mqtt
        if cfg is None or not self._want_mqtt:
            return
        if not extras.available("mqtt"):
            extras.skipped("mqtt", f"MQTT to {cfg.host}:{cfg.port}")
            return
        from hil.mqtt.bridge import MqttBridge  # noqa: PLC0415 (aiomqtt loads only for rigs that use it)

        bridge = self.bridge = MqttBridge(
            cfg, rig_name=self.prepared.rig.name, rig_file=self.prepared.rig.path, session=self.session,
            player=self.player, calibration=self.calibration, set_calibration=self.set_calibration,
            inject_fault=self._inject_for_mqtt, clear_fault=self.clear_fault)
        self.observe(bridge)
        self.on_event(bridge.on_event)

    def __enter__(self) -> Rig:
        """Synchronous use: virtual time, no MQTT; step with `advance`."""
        if self.prepared.rig.spec.rig.time != "virtual":
            raise UsageError(f"{self.prepared.rig.path}: a real-time rig runs with `async with Rig(...)`")
        try:
            self._open()
        except BaseException:
            self._teardown_sync(self._outcome_for(None))
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._teardown_sync(self._outcome_for(e))

    async def __aenter__(self) -> Rig:
        exits = self._exits = contextlib.AsyncExitStack()
        try:
            self._open()
            if self._signals is not None:
                exits.enter_context(self._signals.installed(asyncio.get_running_loop(), self._on_signal))
            tg = self._task_group = await exits.enter_async_context(asyncio.TaskGroup())
            if not self.clock.virtual:
                tg.create_task(self._guard(self._run_pump()), name="hil[pump]")
            self._open_bridge()
            if self.bridge is not None:
                tg.create_task(self._guard(self.bridge.run(self._bridge_stop)), name="hil[mqtt]")
        except BaseException as exc:
            await self._teardown(self._outcome_for(exc))
            raise
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self._teardown(self.outcome or self._outcome_for(e or self._failure))
        if e is None and self._failure is not None:  # a task failed while the body only stepped
            raise self._failure

    # ---- running ---------------------------------------------------------------------------

    def advance(self, until_ns: int) -> None:
        """Virtual time: run every step due up to and including `until_ns`."""
        self.session.advance(until_ns)

    async def run(self, stop: asyncio.Event | None = None) -> RunOutcome:
        """Step the nodes to `until_ns` (None: until stopped), a `stop()`, a signal or `stop` being set."""
        if self._exits is None:
            raise UsageError("`run()` needs `async with Rig(...)`; step a synchronous rig with `advance`")
        tg = self._task_group
        outside = tg.create_task(self._relay(stop), name="hil[stop]") if stop is not None else None
        end = None if self.until_ns is None else self.session.start_ns + self.until_ns
        stepping = tg.create_task(self._guard(self.session.run(end, self._stop)), name="hil[session]")
        try:
            await stepping
        except asyncio.CancelledError:
            self.stop("cancelled")
            stepping.cancel()
            raise
        finally:
            if outside is not None:
                outside.cancel()
        if self._failure is not None:  # a task of the run failed: the caller gets its error
            raise self._failure
        reached = self.session.clock.now_ns() - self.session.start_ns
        self.outcome = self._outcome(reached, stop_reason(None, self._stop_reason, self._reached_end(reached)))
        return self.outcome

    async def _guard(self, work: Coroutine[Any, Any, object]) -> None:
        """A task of the run never fails into the task group (that would cancel whoever holds the
        rig mid-teardown): its error stops the run and `run()` raises it, once, to the caller."""
        try:
            await work
        except Exception as exc:
            if self._failure is None:
                self._failure = exc
            self.stop(f"error: {type(exc).__name__}: {exc}")

    async def _relay(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.stop("stopped")

    async def _run_pump(self) -> None:
        """Frames from the bus, for as long as the rig is open (real time)."""
        pump = self._pump = ReceivePump(self.session.bus, self.session.health, self.session.on_bus_frame)
        pump.start(asyncio.get_running_loop())
        try:
            await self._bridge_stop.wait()  # the last thing teardown lets go of before the bus
        finally:
            pump.stop()

    def _on_signal(self, name: str, count: int) -> None:
        if count == 1:
            self.stop(name)
        else:  # a second Ctrl-C: do not wait for the broker, but still write every file
            self._bridge_stop.set()

    # ---- outcome and teardown --------------------------------------------------------------

    def _reached_end(self, reached_ns: int) -> bool:
        return self.until_ns is not None and reached_ns >= self.until_ns

    def _outcome(self, reached_ns: int, reason: str) -> RunOutcome:
        return RunOutcome(reached_ns=reached_ns, target_ns=self.until_ns, stage_end_ns=self.prepared.stage.duration_ns,
                          reason=reason, wall_s=time.perf_counter() - self._wall0)

    def _outcome_for(self, exc: BaseException | None) -> RunOutcome:
        """How a run ended that left through an exception, or was only stepped with `advance`."""
        session = self._session
        reached = session.clock.now_ns() - session.start_ns if session is not None else 0
        if exc is not None:
            log_error(self.out, exc)
        return self._outcome(reached, stop_reason(exc, self._stop_reason, self._reached_end(reached)))

    def _teardown_sync(self, outcome: RunOutcome) -> None:
        if self._closed:
            return
        self.outcome = self.outcome or outcome
        try:
            self._finish_files(self.outcome)
        finally:
            self._close_bus()

    async def _teardown(self, outcome: RunOutcome) -> None:
        if self._closed:
            return
        self.outcome = self.outcome or outcome
        try:
            self._finish_files(self.outcome)              # 1-5
        finally:
            if self.bridge is not None:
                self.bridge.end_reason = self.outcome.reason
            self._bridge_stop.set()                       # 6: final status, verdict events, disconnect
            try:
                if self._exits is not None:
                    await self._exits.aclose()            # the task group ends; signal handlers restored
            finally:
                self._close_bus()                         # 7

    def _finish_files(self, outcome: RunOutcome) -> None:
        """Steps 1-5 of the teardown; each step runs even if one before it failed."""
        self._stop.set()                                                   # 1 no node steps again
        session, out = self._session, self.out
        with contextlib.ExitStack() as steps:  # callbacks run last-registered first: 2, 3, 4, 5
            if out is not None and session is not None:                    # 5 run.json
                steps.callback(lambda: write_run_info(out, self.run_info(outcome)))
            if self.results is not None:                                   # 4 verdicts only at the stage end
                steps.callback(self.results.finish, judge=outcome.reached_stage_end)
            if self._recorder is not None:                                 # 3 the CAN log
                steps.callback(self._recorder.close)
            if self._pump is not None and session is not None:             # 2 what is on the bus now
                steps.callback(session.drain)
                steps.callback(self._pump.stop)

    def run_info(self, outcome: RunOutcome) -> dict[str, Any]:
        """What `run.json` holds for this run ending with `outcome`."""
        return run_info(self.prepared, self.calibration, self.session, outcome)

    def _close_bus(self) -> None:
        if not self._closed and self._given_bus is None and self._bus is not None:
            self._bus.shutdown()  # a bus given to the rig belongs to the caller
        self._closed = True
