"""Kernel-timed cyclic frames (SocketCAN's broadcast manager, BCM) carrying hil's frames.

Why hil does not hand its cyclic messages to the BCM: a BCM task repeats the frames it was
given, and an E2E Profile 1 frame changes every cycle (the 4-bit counter, and with it the
CRC). A single repeated frame is therefore REPEATED at every receiver. The BCM can cycle
through a *sequence* of frames, though, and the P01 counter runs modulo 15, so fifteen frames
with counters 0..14 repeat as a valid E2E stream. That carries a message whose signals do not
change (and an update rewrites all fifteen), but hil's controllers change their signals every
step, so their frames stay timed by hil's own real-time clock. Non-E2E static frames such as
`<NODE>_Identity` fit the BCM as they are. (Nor is the BCM drift-free: it re-arms its timer
from the moment it fired, while hil keeps absolute deadlines.)
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections import Counter
from collections.abc import Iterator

import can
import pytest
from can.interfaces.socketcan import CyclicSendTask

from hil.bus.codec import Codec, Signals
from hil.bus.e2e import COUNTER_MODULO, E2EReceiver
from tests.socketcan.realtime import IN_GUEST, VCAN, timing_summary
from tests.support import ROOT

pytestmark = pytest.mark.socketcan

# The BCM re-arms its timer from the moment it fired (net/can/bcm.c), so each period is late by
# the timer's latency and the lateness adds up: microseconds natively; in the emulated guest
# 0.2 ms at 10 ms (median 10.16 ms) and 3-7 ms at 1 s were measured.
PERIOD_LATE_S = 0.020 if IN_GUEST else 0.002


@pytest.fixture
def codec() -> Codec:
    return Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")


@pytest.fixture
def sender() -> Iterator[can.BusABC]:
    with can.Bus(interface="socketcan", channel=VCAN) as bus:
        yield bus


def _receiver(frame_id: int) -> can.BusABC:
    return can.Bus(interface="socketcan", channel=VCAN, can_filters=[{"can_id": frame_id, "can_mask": 0x7FF}])


def _frames(codec: Codec, name: str, values: Signals, count: int) -> list[can.Message]:
    out = []
    for _ in range(count):
        frame_id, data = codec.encode(name, values)
        out.append(can.Message(arbitration_id=frame_id, data=data, is_extended_id=False))
    return out


def _collect(bus: can.BusABC, seconds: float) -> list[can.Message]:
    got: list[can.Message] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        msg = bus.recv(0.05)
        if msg is not None:
            got.append(msg)
    return got


def test_bcm_sends_a_static_identity_frame_on_its_dbc_cycle(codec: Codec, sender: can.BusABC) -> None:
    spec = codec.specs["TCU_Identity"]
    assert not spec.e2e and spec.cycle_ns == 1_000_000_000
    (frame,) = _frames(codec, spec.name, {"SwVersionMajor": 1, "CalibrationHash": 0xC0FFEE}, 1)
    with _receiver(spec.frame_id) as rx:
        task = sender.send_periodic(frame, spec.cycle_ns / 1e9)
        assert isinstance(task, CyclicSendTask), "kernel BCM, not a Python thread"
        got = _collect(rx, 2.5)
        task.stop()
    times = [m.timestamp for m in got]
    assert len(got) == 3, timing_summary(times)
    assert all(bytes(m.data) == bytes(frame.data) for m in got)
    for a, b in itertools.pairwise(times):
        assert -0.001 <= b - a - 1.0 <= PERIOD_LATE_S, timing_summary(times)


def test_one_repeated_e2e_frame_is_flagged_repeated_so_plain_bcm_cannot_carry_e2e(
    codec: Codec, sender: can.BusABC
) -> None:
    spec = codec.specs["HHB_Status"]
    (frame,) = _frames(codec, spec.name, {}, 1)
    with _receiver(spec.frame_id) as rx:
        task = sender.send_periodic(frame, 0.01)
        got = _collect(rx, 0.3)
        task.stop()
    e2e = E2EReceiver(spec.frame_id)
    statuses = Counter(e2e.check(bytes(m.data)).name for m in got)
    assert statuses["INITIAL"] == 1
    assert statuses["REPEATED"] == len(got) - 1 >= 10


def test_bcm_sequence_of_15_frames_keeps_e2e_counter_and_crc_valid(codec: Codec, sender: can.BusABC) -> None:
    spec = codec.specs["HHB_Status"]
    sequence = _frames(codec, spec.name, {"RearBrakePressure": 20.0}, COUNTER_MODULO)
    with _receiver(spec.frame_id) as rx:
        task = sender.send_periodic(sequence, 0.01)
        got = _collect(rx, 1.0)
        task.stop()
    e2e = E2EReceiver(spec.frame_id)
    statuses = Counter(e2e.check(bytes(m.data)).name for m in got)
    assert statuses == {"INITIAL": 1, "OK": len(got) - 1}, statuses
    assert len(got) >= 2 * COUNTER_MODULO, "the counter wrapped at least once"
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(got)]
    assert abs(statistics.median(gaps) - 0.01) < 0.001, timing_summary([m.timestamp for m in got])


def test_rewriting_the_bcm_sequence_changes_the_signals_without_breaking_the_counter(
    codec: Codec, sender: can.BusABC
) -> None:
    spec = codec.specs["HHB_Status"]
    with _receiver(spec.frame_id) as rx:
        task = sender.send_periodic(_frames(codec, spec.name, {"RearBrakePressure": 0.0}, COUNTER_MODULO), 0.01)
        assert isinstance(task, can.ModifiableCyclicTaskABC)
        got = _collect(rx, 0.4)
        # frame k of the sequence keeps counter k, so the kernel's position in it stays valid
        task.modify_data(_frames(codec, spec.name, {"RearBrakePressure": 50.0}, COUNTER_MODULO))
        got += _collect(rx, 0.4)
        task.stop()
    e2e = E2EReceiver(spec.frame_id)
    statuses = Counter(e2e.check(bytes(m.data)).name for m in got)
    assert statuses == {"INITIAL": 1, "OK": len(got) - 1}, statuses
    pressures = [codec.decode(spec, bytes(m.data), None).signals["RearBrakePressure"] for m in got]
    assert pressures[0] == 0.0 and pressures[-1] == 50.0
    assert pressures == sorted(pressures), "one switch from old to new values"
