"""Bus faults (send refused, bus gone) are counted and the session keeps running; real time keeps its cycle."""

from __future__ import annotations

import asyncio

import can

from hil.app import session_for
from hil.nodes.registry import build_nodes
from hil.results.trace import Trace
from hil.runtime.clock import RealTimeClock
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
    times = [f.t_ns for f in trace.frames]
    assert len(times) >= 49
    # Deadlines are absolute: the k-th frame is due at start + k x 10 ms whatever the wake-up jitter.
    assert times == [times[0] + k * 10_000_000 for k in range(len(times))]
    assert session.clock.lateness.count >= len(times)
    assert session.health.late_frames == 0
