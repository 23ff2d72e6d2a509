"""Test support: run a whole rig in virtual time on a private python-can virtual channel, through the Rig."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import can

from hil.config.calibration import CalibrationSet
from hil.config.rig import NodeSection, RigConfig, load_rig
from hil.results.trace import Trace
from hil.runtime.node import NodeModel, RxView, Tx
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig
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
    return prep.with_stage(stage) if stage is not None else prep


def run_virtual(
    stage: Timeline, duration_s: float | None = None, *, calibration: Path | None = None,
    emulate: Iterable[str] | None = None, out_dir: Path | None = None, channel: str | None = None,
) -> tuple[Rig, Trace]:
    """Run `stage` through the default rig in virtual time; returns the (closed) rig and a full trace."""
    prep = prepared(calibration=calibration, emulate=emulate, stage=stage, channel=channel)
    trace = Trace()
    with Rig(prep, out=out_dir) as rig:
        rig.observe(trace)
        rig.advance(int((duration_s * 1e9) if duration_s is not None else stage.duration_ns))
    return rig, trace


class Probe:
    """A test node model: records what the bus looks like to a node at every step."""

    name = "PROBE"
    nodes: tuple[str, ...] = ()
    period_ns = 10_000_000
    accepts: frozenset[str] = frozenset()

    def __init__(self, watch: str, signal: str = "Counter") -> None:
        self.watch = watch
        self.signal = signal
        self.seen: list[tuple[int, bool, float]] = []  # (t_ns, timed_out, value of `signal`)

    def apply_calibration(self, values: CalibrationSet) -> None:
        pass

    def step(self, now_ns: int, rx: RxView) -> Tx:
        self.seen.append((now_ns, rx.timed_out(self.watch), rx.signals(self.watch)[self.signal]))
        return Tx()


@contextlib.contextmanager
def bare_rig(
    prep: Prepared, models: list[NodeModel], *, emulate: Iterable[str] = (), offsets_ms: dict[str, float] | None = None,
) -> Iterator[Rig]:
    """A virtual-time rig stepping hand-picked models on the rig's (private) virtual channel."""
    spec = prep.rig.spec
    rig_spec = spec.model_copy(update={
        "rig": spec.rig.model_copy(update={"emulate": tuple(emulate)}),
        "nodes": {**spec.nodes, **{name: NodeSection(offset_ms=ms) for name, ms in (offsets_ms or {}).items()}},
    })
    with Rig(replace(prep, rig=RigConfig(prep.rig.path, rig_spec)), models=models) as rig:
        yield rig


@contextlib.contextmanager
def player_bus(prep: Prepared) -> Iterator[can.BusABC]:
    """A second participant on the rig's virtual channel (frames it sends reach the rig)."""
    bus = can.Bus(interface="virtual", channel=prep.rig.spec.bus["channel"], preserve_timestamps=True)
    try:
        yield bus
    finally:
        bus.shutdown()
