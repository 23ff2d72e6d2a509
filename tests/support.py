"""Test support: run a whole rig in virtual time on a private python-can virtual channel."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import can

from hil.app import Prepared, prepare, session_for
from hil.config.rig import load_rig
from hil.results.trace import Trace
from hil.runtime.clock import VirtualClock
from hil.runtime.node import NodeModel, RxView, Tx
from hil.runtime.session import Session
from hil.stage.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]
VIRTUAL_RIG = ROOT / "rigs" / "virtual.toml"
RALLY = ROOT / "calibrations" / "rally.toml"
ROAD = ROOT / "calibrations" / "road.toml"


def unique_channel() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def prepared(
    *, calibration: Path | None = None, emulate: Iterable[str] | None = None,
    stage: Timeline | None = None, channel: str | None = None,
) -> Prepared:
    rig = load_rig(VIRTUAL_RIG).with_flags(
        calibration=str(calibration) if calibration else None,
        emulate=tuple(emulate) if emulate is not None else None,
        channel=channel or unique_channel(),
    )
    prep = prepare(rig)
    if stage is not None:
        prep = Prepared(prep.rig, prep.codec, prep.calibration, stage)
    return prep


def run_virtual(
    stage: Timeline, duration_s: float | None = None, *, calibration: Path | None = None,
    emulate: Iterable[str] | None = None, out_dir: Path | None = None, channel: str | None = None,
) -> tuple[Session, Trace]:
    """Run `stage` through the default rig in virtual time; returns the session and a full trace."""
    prep = prepared(calibration=calibration, emulate=emulate, stage=stage, channel=channel)
    trace = Trace()
    with session_for(prep, out_dir) as session:
        session.observers.append(trace)
        end = int((duration_s * 1e9) if duration_s is not None else stage.duration_ns)
        session.advance(end)
    return session, trace


class Probe:
    """A test node model: records what the bus looks like to a node at every step."""

    name = "PROBE"
    nodes: tuple[str, ...] = ()
    period_ns = 10_000_000

    def __init__(self, watch: str, signal: str = "Counter") -> None:
        self.watch = watch
        self.signal = signal
        self.seen: list[tuple[int, bool, float]] = []  # (t_ns, timed_out, value of `signal`)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        self.seen.append((now_ns, rx.timed_out(self.watch), rx.signals(self.watch)[self.signal]))
        return Tx()


@contextlib.contextmanager
def bare_session(
    prep: Prepared, models: list[NodeModel], *, emulate: Iterable[str] = (), offsets_ms: dict[str, float] | None = None,
) -> Iterator[Session]:
    """A virtual-time session with hand-picked models on the rig's (private) virtual channel."""
    bus = can.Bus(interface="virtual", channel=prep.rig.spec.bus["channel"], preserve_timestamps=True)
    try:
        yield Session(prep.codec, bus, VirtualClock(), models, emulate=frozenset(emulate), offsets_ms=offsets_ms)
    finally:
        bus.shutdown()


@contextlib.contextmanager
def player_bus(prep: Prepared) -> Iterator[can.BusABC]:
    """A second participant on the rig's virtual channel (frames it sends reach the session)."""
    bus = can.Bus(interface="virtual", channel=prep.rig.spec.bus["channel"], preserve_timestamps=True)
    try:
        yield bus
    finally:
        bus.shutdown()
