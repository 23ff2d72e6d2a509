"""Bus faults (send refused, bus gone) are counted and the rig keeps running; real time keeps its cycle."""

from __future__ import annotations

import time
from dataclasses import replace

import can

from hil.nodes.registry import build_nodes
from hil.results.trace import Trace
from hil.runtime.clock import RealTimeClock
from hil.runtime.node import RxView, Tx
from hil.runtime.rig import Rig
from hil.stage.timeline import standing_start
from tests.support import bare_rig, prepared


def test_refused_sends_are_counted_and_the_rig_keeps_stepping() -> None:
    prep = prepared(stage=standing_start(2.0))
    nodes = build_nodes(prep.rig.emulate, prep.calibration, prep.stage)
    # A participant whose one-frame receive queue is never read: the virtual bus refuses sends.
    stuck = can.Bus(interface="virtual", channel=prep.rig.spec.bus["channel"], rx_queue_size=1)
    try:
        with bare_rig(prep, nodes, emulate=prep.rig.emulate) as rig:
            rig.advance(100_000_000)
            assert rig.health.tx_errors > 0
            stuck.shutdown()  # the slow participant goes away: sends succeed again
            sent_before = rig.health.frames_tx
            rig.advance(200_000_000)
    finally:
        stuck.shutdown()
    assert rig.health.frames_tx - sent_before >= 6 * 10
    assert "Could not send" in rig.health.last_error


def test_a_bus_that_vanishes_is_counted_not_raised() -> None:
    prep = prepared(stage=standing_start(2.0))
    nodes = build_nodes(prep.rig.emulate, prep.calibration, prep.stage)
    with bare_rig(prep, nodes, emulate=prep.rig.emulate) as rig:
        rig.advance(20_000_000)
        rig.bus.shutdown()
        rig.advance(100_000_000)
    assert rig.health.tx_errors >= 6 * 8
    assert rig.health.rx_errors >= 1


async def test_real_time_run_keeps_the_cycle_on_absolute_deadlines() -> None:
    prep = prepared(stage=standing_start(5.0))
    prep = replace(prep, rig=prep.rig.with_flags(time="real"))
    trace = Trace(only=frozenset({"TCU_Status"}))
    async with Rig(prep, until_ns=500_000_000) as rig:
        assert isinstance(rig.clock, RealTimeClock)
        rig.observe(trace)
        await rig.run()
    slots = _slots(rig.start_ns, [f.t_ns for f in trace.frames])
    # Deadlines are absolute: every frame sits in its own 10 ms slot of the grid laid from the
    # session start, and sent + late frames account for every slot (no drift, whatever the jitter).
    assert slots == sorted(set(slots))
    # late_frames counts every message's missed slots; this trace holds one message's
    assert slots[-1] + 1 - len(slots) <= rig.health.late_frames
    assert slots[-1] >= 45, "frames on the grid to the end of the 0.5 s run"
    assert rig.clock.lateness.count >= len(slots)


class _Stall:
    """A node that blocks the loop once for 35 ms, like a bench PC that hiccups."""

    name = "STALL"
    nodes: tuple[str, ...] = ()
    period_ns = 10_000_000
    accepts: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.steps = 0

    def apply_calibration(self, values: object) -> None:
        pass

    def step(self, now_ns: int, rx: RxView) -> Tx:
        self.steps += 1
        if self.steps == 20:
            time.sleep(0.035)
        return Tx()


async def test_real_time_stall_counts_late_frames_and_skips_instead_of_bursting() -> None:
    prep = prepared(stage=standing_start(5.0))
    prep = replace(prep, rig=prep.rig.with_flags(time="real"))
    trace = Trace(only=frozenset({"ECM_Engine"}))
    async with Rig(prep, until_ns=600_000_000) as rig:
        rig.observe(trace)
        stall = _Stall()
        rig.add_model(stall)
        await rig.run()
    assert rig.health.late_frames >= 2
    slots = _slots(rig.start_ns, [f.t_ns for f in trace.frames])
    assert slots == sorted(set(slots)), "no burst of catch-up frames after the stall"
    missed = slots[-1] + 1 - len(slots)
    assert missed >= 2, "the 35 ms stall costs ECM_Engine at least two slots"
    assert rig.health.late_frames >= missed, "and every missed slot is counted"


def _slots(start_ns: int, times: list[int], cycle_ns: int = 10_000_000) -> list[int]:
    """Index of the cycle slot each frame was sent in, on the deadline grid from `start_ns`."""
    return [(t - start_ns) // cycle_ns for t in times]
