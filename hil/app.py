"""The I/O shell: turns a validated rig into an open bus, a log, nodes and a running session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import can

from hil import __version__
from hil.bus.codec import Codec
from hil.bus.recorder import Recorder
from hil.config.calibration import Calibration, load_calibration
from hil.config.rig import Rig
from hil.errors import BusError, RigError
from hil.mqtt.config import check_files as check_mqtt_files
from hil.nodes.registry import build_nodes
from hil.runtime.clock import Clock, RealTimeClock, VirtualClock
from hil.runtime.session import Session
from hil.stage.loader import load_stage
from hil.stage.player import StagePlayer
from hil.stage.timeline import Timeline


@dataclass(frozen=True)
class Prepared:
    """Everything a rig names, loaded and validated: nothing has touched the bus yet."""

    rig: Rig
    codec: Codec
    calibration: Calibration
    stage: Timeline


def prepare(rig: Rig) -> Prepared:
    """Validate every file the rig names; raises the first ConfigError found."""
    codec = Codec.load(rig.dbc_path)
    calibration = load_calibration(rig.calibration_path)
    stage = load_stage(rig.stage_path, codec)
    check_timeouts(rig, codec)
    if rig.spec.mqtt is not None:
        check_mqtt_files(rig.spec.mqtt, rig.path, frozenset(codec.specs))
    return Prepared(rig, codec, calibration, stage)


def check_timeouts(rig: Rig, codec: Codec) -> str:
    """Every `[timeouts_ms]` key must name a DBC message."""
    for name in rig.spec.timeouts_ms:
        if name not in codec.specs:
            raise RigError(str(rig.path), f"timeouts_ms.{name}", "no such message in the DBC")
    return f"{len(rig.spec.timeouts_ms)} overrides"


def open_bus(rig: Rig) -> can.BusABC:
    kwargs = rig.bus_kwargs()
    try:
        return can.Bus(**kwargs)
    except (can.CanError, OSError, ValueError, ImportError) as exc:
        raise BusError(f"cannot open bus {kwargs.get('interface')}:{kwargs.get('channel')}: {exc}") from exc


@contextlib.contextmanager
def session_for(
    prep: Prepared, out_dir: Path | None, bus: can.BusABC | None = None, player: StagePlayer | None = None,
) -> Iterator[Session]:
    """Open bus (unless given) and log, build the nodes; close and flush on every exit path.

    The nodes sample the stage through `player` (default: one playing `prep.stage` from t=0),
    so a stage can be started and stopped while the session runs.
    """
    rig = prep.rig
    clock: Clock = VirtualClock() if rig.spec.rig.time == "virtual" else RealTimeClock(
        spin_ns=rig.spec.realtime.spin_us * 1000)
    own_bus = bus is None
    the_bus = open_bus(rig) if bus is None else bus
    try:
        with contextlib.ExitStack() as stack:
            recorder = None
            if out_dir is not None:
                recorder = stack.enter_context(Recorder(out_dir / rig.spec.rig.log))
            nodes = build_nodes(rig.emulate, prep.calibration, player or StagePlayer(prep.stage))
            session = Session(
                prep.codec, the_bus, clock, nodes,
                emulate=rig.emulate,
                recorder=recorder,
                timeouts_ms=dict(rig.spec.timeouts_ms),
                offsets_ms={k: v.offset_ms for k, v in rig.spec.nodes.items()},
                max_delta_counter=rig.spec.e2e.max_delta_counter,
            )
            if prep.stage.replay is not None:  # a recorded log stands in for the nodes not emulated
                session.add_raw_frames((f.t_ns, f.arbitration_id, f.data, f.is_extended_id)
                                       for f in prep.stage.replay.for_rig(prep.codec, rig.emulate))
            yield session
    finally:
        if own_bus:
            the_bus.shutdown()


@contextlib.asynccontextmanager
async def stop_on_signals() -> AsyncIterator[asyncio.Event]:
    """SIGINT/SIGTERM set a stop event; the previous handlers are restored afterwards."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    try:
        yield stop
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def write_run_info(out_dir: Path, prep: Prepared, session: Session, duration_ns: int) -> Path:
    info = {
        "software_version": __version__,
        "rig": prep.rig.name,
        "time": prep.rig.spec.rig.time,
        "stage": prep.stage.name,
        "calibration": {
            "name": prep.calibration.values.meta.name,
            "path": str(prep.calibration.path),
            "sha256": prep.calibration.sha256,
        },
        "simulated_s": duration_ns / 1e9,
        "bus_health": session.health.as_dict(),
    }
    path = out_dir / "run.json"
    path.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return path
