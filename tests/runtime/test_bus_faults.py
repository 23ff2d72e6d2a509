"""Bus faults (send refused, bus gone) are counted and the session keeps running; real time keeps its cycle."""

from __future__ import annotations

import asyncio
import time

import can

from hil.app import session_for
from hil.nodes.registry import build_nodes
from hil.results.trace import Trace
from hil.runtime.clock import RealTimeClock
from hil.runtime.node import RxView, Tx
from hil.stage.timeline import standing_start
from tests.support import bare_session, prepared


def test_refused_sends_are_counted_and_the_session_keeps_stepping() -> None:
    prep = prepared(stage=standing_start(2.0))
    nodes = build_nodes(prep.rig.emulate, prep.calibration, prep.stage)
    # A participant whose one-frame receive queue is never read: the virtual bus refuses sends.
    stuck = can.Bus(interface="virtual", channel=prep.rig.spec.bus["channel"], rx_queue_size=1)
    try:
        with bare_session(prep, nodes, emulate=prep.rig.emulate) as session:
            session.advance(100_000_000)
            assert session.health.tx_errors > 0
            stuck.shutdown()  # the slow participant goes away: sends succeed again
            sent_before = session.health.frames_tx
            session.advance(200_000_000)
    finally:
        stuck.shutdown()
    assert session.health.frames_tx - sent_before >= 6 * 10
    assert "Could not send" in session.health.last_error


def test_a_bus_that_vanishes_is_counted_not_raised() -> None:
    prep = prepared(stage=standing_start(2.0))
    nodes = build_nodes(prep.rig.emulate, prep.calibration, prep.stage)
    with bare_session(prep, nodes, emulate=prep.rig.emulate) as session:
        session.advance(20_000_000)
        session.bus.shutdown()
        session.advance(100_000_000)
    assert session.health.tx_errors >= 6 * 8
    assert session.health.rx_errors >= 1


async def test_real_time_run_keeps_the_cycle_on_absolute_deadlines() -> None:
    prep = prepared(stage=standing_start(5.0))
    prep = type(prep)(prep.rig.with_flags(time="real"), prep.codec, prep.calibration, prep.stage)
    trace = Trace(only=frozenset({"TCU_Status"}))
    with session_for(prep, None) as session:
        assert isinstance(session.clock, RealTimeClock)
        session.observers.append(trace)
        await session.run(500_000_000, asyncio.Event())
    slots = _slots(session.start_ns, [f.t_ns for f in trace.frames])
    # Deadlines are absolute: every frame sits in its own 10 ms slot of the grid laid from the
    # session start, and sent + late frames account for every slot (no drift, whatever the jitter).
    assert slots == sorted(set(slots))
    assert len(slots) + session.health.late_frames == slots[-1] + 1
    assert len(slots) >= 45
    assert session.clock.lateness.count >= len(slots)


class _Stall:
    """A node that blocks the loop once for 35 ms, like a bench PC that hiccups."""

    name = "STALL"
    nodes: tuple[str, ...] = ()
    period_ns = 10_000_000

    def __init__(self) -> None:
        self.steps = 0

    def step(self, now_ns: int, rx: RxView) -> Tx:
        self.steps += 1
        if self.steps == 20:
            time.sleep(0.035)
        return Tx()


async def test_real_time_stall_counts_late_frames_and_skips_instead_of_bursting() -> None:
    prep = prepared(stage=standing_start(5.0))
    prep = type(prep)(prep.rig.with_flags(time="real"), prep.codec, prep.calibration, prep.stage)
    trace = Trace(only=frozenset({"ECM_Engine"}))
    with session_for(prep, None) as session:
        session.observers.append(trace)
        stall = _Stall()
        session.add_model(stall)
        await session.run(600_000_000, asyncio.Event())
    assert session.health.late_frames >= 2
    slots = _slots(session.start_ns, [f.t_ns for f in trace.frames])
    assert slots == sorted(set(slots)), "no burst of catch-up frames after the stall"
    missed = slots[-1] + 1 - len(slots)
    assert missed >= 2, "the 35 ms stall costs ECM_Engine at least two slots"
    assert session.health.late_frames >= missed, "and every missed slot is counted"


def _slots(start_ns: int, times: list[int], cycle_ns: int = 10_000_000) -> list[int]:
    """Index of the cycle slot each frame was sent in, on the deadline grid from `start_ns`."""
    return [(t - start_ns) // cycle_ns for t in times]
