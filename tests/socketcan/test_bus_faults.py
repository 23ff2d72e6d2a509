"""Bus faults on a real SocketCAN interface: hil counts and reports them and keeps its cycle.

Each test runs the shipped vcan rig in real time inside the test process (no second Python
start-up under emulation) while a script beside it disturbs vcan0.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import can
import pytest

from tests.socketcan.realtime import (
    CYCLE_S,
    DELIVERED_SHARE,
    IN_GUEST,
    VCAN,
    Watch,
    burst_free,
    delivered_share,
    peer_bus,
    read_log,
    run_beside,
    sh,
    timing_summary,
    vcan_prepared,
    vcan_rig,
)

pytestmark = pytest.mark.socketcan

# The controllers only: under emulation the plant model alone costs ~1.6 ms a step, and the
# faults need cyclic senders, not a closed loop.
CONTROLLERS = ("TCU", "HHB", "DCU")
CYCLIC_MESSAGES = 4  # TCU_Status, TCU_TorqueRequest, HHB_Status, DCU_Status
TCU_STATUS = 0xB0
DRV_CONTROLS = 0x60
# After a fault clears, the frames come on their cycle again: no catch-up burst and, natively,
# no gap (the guest's own lag is explained in realtime.py).
MAX_GAP_AFTER_FAULT_S = CYCLE_S + 0.004


def _assert_back_on_cycle(frames: list[can.Message], since: float, window_s: float) -> None:
    times = [m.timestamp for m in frames if since < m.timestamp <= since + window_s]
    stats = timing_summary(times)
    assert delivered_share(times, window_s) >= DELIVERED_SHARE, stats
    assert burst_free(times), stats
    if not IN_GUEST:
        assert max(b - a for a, b in itertools.pairwise(times)) <= MAX_GAP_AFTER_FAULT_S, stats


async def test_error_frames_on_the_bus_are_counted_and_logged(tmp_path: Path) -> None:
    prep = vcan_prepared(emulate=CONTROLLERS)
    async with vcan_rig(prep, tmp_path) as rig, peer_bus(interface="socketcan", channel=VCAN) as peer:
        async def script() -> None:
            await asyncio.sleep(0.3)
            for _ in range(5):  # a controller's bus-error report: protocol violation, bit 0
                peer.send(can.Message(arbitration_id=0x088, is_error_frame=True, data=bytes(8)))
            await asyncio.sleep(0.3)

        await run_beside(rig, script)
    assert rig.health.error_frames == 5
    assert rig.health.bad_frames == 0
    assert rig.health.frames_tx >= DELIVERED_SHARE * 0.6 * 100 * CYCLIC_MESSAGES, "it kept sending all along"
    assert sum(m.is_error_frame for m in read_log(tmp_path / "can.log")) == 5


async def test_full_tx_queue_is_counted_reported_and_survived_without_a_late_cycle(
    tmp_path: Path, vcan0_admin: str
) -> None:
    """ENOBUFS, as a real adapter returns when the bus takes no frames and its queue is full.

    vcan has no TX queue of its own (qdisc `noqueue`, and the driver never stops), so a small
    `txqueuelen` alone never fills on vcan. A `pfifo` qdisc of limit 0 is a queue that is
    always full: the kernel refuses every frame with ENOBUFS until it is removed.
    """
    prep = vcan_prepared(emulate=CONTROLLERS)
    reports: list[str] = []
    marks: dict[str, float] = {}
    async with vcan_rig(prep, tmp_path) as rig:
        rig.session.on_bus_state = reports.append
        async with Watch(ids=[TCU_STATUS]) as watch:
            async def script() -> None:
                await asyncio.sleep(0.5)
                await sh("tc", "qdisc", "replace", "dev", vcan0_admin, "root", "pfifo", "limit", "0")
                await asyncio.sleep(0.3)
                await sh("tc", "qdisc", "del", "dev", vcan0_admin, "root")
                marks["cleared"] = time.time()
                marks["errors_at_clear"] = rig.health.tx_errors
                marks["late_at_clear"] = rig.health.late_frames
                await asyncio.sleep(1.0)

            await run_beside(rig, script)
    h = rig.health
    assert marks["errors_at_clear"] >= CYCLIC_MESSAGES * 20, "about 0.3 s of 10 ms messages refused"
    assert h.tx_errors == marks["errors_at_clear"], "no refusals once the queue drains"
    assert "No buffer space available" in h.last_error
    assert h.outages == 1
    assert len(reports) == 2 and "No buffer space available" in reports[0] and "sending again" in reports[1]
    if not IN_GUEST:  # the guest lags with or without a fault (realtime.py)
        assert h.late_frames == marks["late_at_clear"], "no cycle missed after the queue drained"
    _assert_back_on_cycle(watch.frames, marks["cleared"] + 0.05, 0.9)


async def test_interface_down_is_reported_and_the_session_recovers_when_it_comes_back(
    tmp_path: Path, vcan0_admin: str
) -> None:
    prep = vcan_prepared(emulate=CONTROLLERS)
    reports: list[str] = []
    marks: dict[str, float] = {}
    async with vcan_rig(prep, tmp_path) as rig:
        rig.session.on_bus_state = reports.append
        async with Watch(ids=[TCU_STATUS]) as watch:
            async def script() -> None:
                await asyncio.sleep(0.5)
                await sh("ip", "link", "set", vcan0_admin, "down")
                await asyncio.sleep(0.3)
                await sh("ip", "link", "set", vcan0_admin, "up")
                marks["up"] = time.time()
                await asyncio.sleep(0.5)
                # A fresh peer: a socket open during the outage holds ENETDOWN for its next call.
                with can.Bus(interface="socketcan", channel=VCAN) as peer:
                    peer.send(can.Message(arbitration_id=0x7FF, data=bytes(8), is_extended_id=False))
                await asyncio.sleep(0.5)

            await run_beside(rig, script)
    h = rig.health
    assert h.tx_errors >= CYCLIC_MESSAGES * 20 and h.outages == 1
    assert len(reports) == 2, reports
    assert "Network is down" in reports[0] and "sending again" in reports[1]
    # The same socket carries on both ways, no reopen needed: the peer's frame arrives...
    assert (h.frames_rx, h.unknown_id) == (1, 1)
    # ...and the cyclic frames are back on their cycle.
    _assert_back_on_cycle(watch.frames, marks["up"] + 0.05, 0.9)


async def test_fd_rig_sends_classic_frames_and_counts_a_64_byte_fd_frame(tmp_path: Path, vcan0_fd: str) -> None:
    prep = vcan_prepared(emulate=CONTROLLERS, fd=True)
    fd_frame = can.Message(arbitration_id=DRV_CONTROLS, data=bytes(range(64)), is_fd=True, bitrate_switch=True,
                           is_extended_id=False)
    async with vcan_rig(prep, tmp_path) as rig, peer_bus(interface="socketcan", channel=vcan0_fd, fd=True) as peer, \
            Watch(ids=[TCU_STATUS], fd=True) as watch:
        async def script() -> None:
            await asyncio.sleep(0.3)
            peer.send(fd_frame)
            await asyncio.sleep(0.3)

        await run_beside(rig, script)
    assert rig.health.frames_rx == 1
    assert rig.health.bad_length == 1, "a DBC ID with 64 bytes is counted, not decoded"
    assert watch.frames and not any(m.is_fd for m in watch.frames), "hil's own frames stay classic CAN"
    logged = [m for m in read_log(tmp_path / "can.log") if m.is_fd]
    assert [(m.arbitration_id, bytes(m.data)) for m in logged] == [(DRV_CONTROLS, bytes(range(64)))]


async def test_classic_rig_never_receives_fd_frames(tmp_path: Path, vcan0_fd: str) -> None:
    prep = vcan_prepared(emulate=CONTROLLERS, fd=False)
    async with vcan_rig(prep, tmp_path) as rig, peer_bus(interface="socketcan", channel=vcan0_fd, fd=True) as peer:
        async def script() -> None:
            await asyncio.sleep(0.3)
            peer.send(can.Message(arbitration_id=DRV_CONTROLS, data=bytes(64), is_fd=True, is_extended_id=False))
            peer.send(can.Message(arbitration_id=0x7FF, data=bytes(8), is_extended_id=False))
            await asyncio.sleep(0.3)

        await run_beside(rig, script)
    # The kernel hands FD frames only to sockets that asked for them: the classic frame arrives alone.
    assert (rig.health.frames_rx, rig.health.unknown_id, rig.health.bad_length) == (1, 1, 0)
