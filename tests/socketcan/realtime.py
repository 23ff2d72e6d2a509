"""Real-time hil rigs on vcan0 inside the test process, with a test script running beside them.

Also the timing yardsticks: an emulated guest's timers are late by milliseconds, so the guest
gets looser thresholds than a native kernel (CAN_GUEST=1 is set by .ci/can-guest).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import can

from hil.config.rig import load_rig
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig
from tests.support import ROOT

VCAN = "vcan0"
VCAN_RIG = ROOT / "rigs" / "vcan.toml"
IN_GUEST = os.environ.get("CAN_GUEST") == "1"


def vcan_prepared(*, emulate: Iterable[str] | None = None, fd: bool | None = None) -> Prepared:
    """The shipped vcan rig, as a user runs it, with the nodes and FD mode a test needs."""
    rig = load_rig(VCAN_RIG).with_flags(emulate=tuple(emulate) if emulate is not None else None, fd=fd)
    return prepare(rig)


@contextlib.asynccontextmanager
async def peer_bus(**kwargs: Any) -> AsyncIterator[can.BusABC]:
    """Another socket on the bus, for use beside a rig in one `async with`."""
    with can.Bus(**kwargs) as bus:
        yield bus


def vcan_rig(prep: Prepared, out: Path) -> Rig:
    """A rig on vcan0 that runs until told to stop, logging into `out`."""
    return Rig(prep, out=out, until_ns=None, results=False)


async def run_beside(rig: Rig, script: Callable[[], Awaitable[None]]) -> None:
    """Run the open rig in real time until `script` returns (or fails)."""

    async def drive() -> None:
        try:
            await script()
        finally:
            rig.stop()

    async with asyncio.TaskGroup() as tg:
        tg.create_task(rig.run(), name="test[rig]")
        tg.create_task(drive(), name="test[script]")


async def sh(*argv: str) -> None:
    """Run ip/tc without blocking the event loop the rig runs on."""
    proc = await asyncio.create_subprocess_exec(*argv, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, f"{' '.join(argv)}: {err.decode().strip()}"


class Watch:
    """Frames on vcan0 as another socket sees them, read by the event loop as they arrive."""

    def __init__(self, ids: Iterable[int] = (), *, fd: bool = False) -> None:
        filters: list[can.typechecking.CanFilter] = [{"can_id": i, "can_mask": 0x7FF} for i in ids]
        self.bus = can.Bus(interface="socketcan", channel=VCAN, fd=fd, can_filters=filters or None)
        self.frames: list[can.Message] = []
        self.errors: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def _drain(self) -> None:
        while True:
            try:
                msg = self.bus.recv(0.0)
            except can.CanError as exc:  # ENETDOWN while the interface is down
                self.errors.append(str(exc))
                return
            if msg is None:
                return
            self.frames.append(msg)

    def after(self, wall_s: float) -> list[can.Message]:
        return [m for m in self.frames if m.timestamp > wall_s]

    async def __aenter__(self) -> Watch:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.bus.fileno(), self._drain)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.bus.fileno())
        self._drain()
        self.bus.shutdown()


# ---- timing yardsticks -------------------------------------------------------------------------

CYCLE_S = 0.010
# Native: asyncio wake-ups plus hil's spin are well under a millisecond late, so frames sit on
# their 10 ms grid and no cycle is missed. In the guest (TCG) each session step costs ~40x its
# native time, so a hil process can need more than a vCPU for 100 Hz and falls behind (more so
# when the host is busy: 25-100 % of the cycles were measured). It must then skip cycles, count
# each one late, and never burst: those rules are checked everywhere; rates, gaps and the grid
# only natively, the guest just has to keep sending. The kernel's own timing in the guest is
# checked by the BCM tests.
DELIVERED_SHARE = 0.10 if IN_GUEST else 0.97
MEDIAN_GAP_S = (0.0095, 0.0105)  # native only
ON_TIME_TOLERANCE_S = 0.002
ON_TIME_SHARE = 0.95  # native only


def grid_lateness_s(timestamps: list[float], cycle_s: float = CYCLE_S) -> list[float]:
    """How late each frame is against one fixed `cycle_s` grid (the grid most frames sit on).

    Absolute deadlines keep every frame on one grid however late single wake-ups are; a
    scheduler that sleeps `cycle_s` after each send drifts off it and fails this yardstick.
    """
    phases = [(t - timestamps[0]) % cycle_s for t in timestamps]

    def on_time(anchor: float) -> int:
        return sum((p - anchor) % cycle_s <= ON_TIME_TOLERANCE_S for p in phases)

    anchor = max(phases, key=on_time)
    return [(p - anchor) % cycle_s for p in phases]


def timing_summary(timestamps: list[float]) -> str:
    gaps = sorted(b - a for a, b in itertools.pairwise(timestamps))
    if not gaps:
        return f"{len(timestamps)} frames"
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    return (f"{len(timestamps)} frames, gaps min {gaps[0] * 1e3:.2f} ms, "
            f"median {statistics.median(gaps) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, max {gaps[-1] * 1e3:.2f} ms")


def on_time_share(timestamps: list[float], cycle_s: float = CYCLE_S) -> float:
    late = grid_lateness_s(timestamps, cycle_s)
    return sum(x <= ON_TIME_TOLERANCE_S for x in late) / len(late)


def burst_free(timestamps: list[float], cycle_s: float = CYCLE_S, run: int = 10) -> bool:
    """No `run` + 1 consecutive frames within less than `run` - 2 cycles: late frames are skipped,
    not sent in a burst (two frames of one message may still come close after a late wake-up)."""
    return all(b - a >= (run - 2) * cycle_s for a, b in zip(timestamps, timestamps[run:], strict=False))


def median_gap_s(timestamps: list[float]) -> float:
    return statistics.median(b - a for a, b in itertools.pairwise(timestamps))


def delivered_share(timestamps: list[float], window_s: float, cycle_s: float = CYCLE_S) -> float:
    return len(timestamps) / (window_s / cycle_s)


def read_log(path: Path) -> list[can.Message]:
    with can.LogReader(str(path)) as reader:
        return list(reader)
