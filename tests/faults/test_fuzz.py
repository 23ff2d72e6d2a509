"""Seeded fuzz: >= 100,000 bad frames thrown at every emulated node over the bus, in virtual time.

Every DBC ID and unknown ones (11- and 29-bit), every classic length 0-8 and CAN FD lengths,
mutated copies of the rig's own frames and random payloads with a failing E2E check, ISO-TP and
UDS garbage on the diagnostic IDs. Asserted against the same run without the fuzz: no exception,
every cyclic frame on its deadline, every output inside its DBC range, and not one actuator
request (gear, pressures, coupling and lock torques) changed by a bad frame.
`HIL_FUZZ_SEED` / `HIL_FUZZ_FRAMES` pick another seed / count; the test prints both.
"""

from __future__ import annotations

import itertools
import os
import random
from dataclasses import dataclass, field

import can

from hil.bus.codec import Codec
from hil.bus.e2e import crc_ok
from hil.runtime.rig import Rig
from hil.stage.timeline import standing_start
from tests.support import player_bus, prepared

MS = 1_000_000
SEED = int(os.environ.get("HIL_FUZZ_SEED", "13"))
FRAMES = int(os.environ.get("HIL_FUZZ_FRAMES", "100000"))
DURATION_MS = 10_000
DIAG_IDS = (0x7DF, 0x7E1, 0x7E2, 0x7E3)
FD_LENGTHS = (12, 16, 20, 24, 32, 48, 64)
ACTUATORS = {"TCU_Status": ("GearActual", "GearTarget"), "TCU_TorqueRequest": ("TorqueLimitRequest",),
             "HHB_Status": ("RearBrakePressure", "State"),
             "DCU_Status": ("CentreCouplingTorque", "FrontDiffLockTorque", "RearDiffLockTorque")}
RESETTING_SIDS = frozenset({0x11, 0x28})  # ECUReset, CommunicationControl: a valid one acts, by design


@dataclass
class _Seen:
    """What the rig put on the bus, as a second participant received it."""

    cyclic: dict[int, list[int]] = field(default_factory=dict)  # frame ID -> send times (ns)
    actuators: list[tuple[int, str, tuple[float, ...]]] = field(default_factory=list)
    out_of_range: list[str] = field(default_factory=list)


class _Fuzzer:
    def __init__(self, codec: Codec, rng: random.Random) -> None:
        self.codec = codec
        self.rng = rng
        self.known = sorted(codec.by_id)
        self.e2e = [s.frame_id for s in codec.specs.values() if s.e2e]
        self.unknown = [i for i in range(0x800) if i not in codec.by_id]
        self.recent: list[can.Message] = []
        self.sent = 0

    def frame(self) -> can.Message:
        r = self.rng.random()
        if r < 0.30 and self.recent:
            return self._mutated(self.rng.choice(self.recent))
        if r < 0.50:
            frame_id = self.rng.choice(self.e2e)
            return self._bad_e2e(frame_id, self.rng.randbytes(self.codec.by_id[frame_id].length))
        if r < 0.65:
            frame_id = self.rng.choice(self.known)
            length = self.rng.choice([n for n in range(9) if n != self.codec.by_id[frame_id].length])
            return can.Message(arbitration_id=frame_id, data=self.rng.randbytes(length), is_extended_id=False)
        if r < 0.75:
            extended = self.rng.random() < 0.3
            frame_id = self.rng.getrandbits(29) if extended else self.rng.choice(self.unknown)
            return can.Message(arbitration_id=frame_id, data=self.rng.randbytes(self.rng.randint(0, 8)),
                               is_extended_id=extended)
        if r < 0.80:
            return can.Message(arbitration_id=self.rng.choice(self.known), is_fd=True, is_extended_id=False,
                               data=self.rng.randbytes(self.rng.choice(FD_LENGTHS)))
        return self._iso_tp_garbage()

    def _bad_e2e(self, frame_id: int, data: bytes) -> can.Message:
        payload = bytearray(data)
        if crc_ok(payload, frame_id):
            payload[0] ^= 0xFF  # the one case in 256 where random bytes carry a valid CRC
        return can.Message(arbitration_id=frame_id, data=bytes(payload), is_extended_id=False)

    def _mutated(self, msg: can.Message) -> can.Message:
        data = bytearray(msg.data)
        for _ in range(self.rng.randint(1, 3)):
            if data:
                data[self.rng.randrange(len(data))] ^= 1 << self.rng.randrange(8)
        spec = self.codec.by_id[msg.arbitration_id]
        if not spec.e2e:  # a changed non-protected frame would be valid data: send it at a wrong length
            return can.Message(arbitration_id=msg.arbitration_id, data=bytes(data[:-1]), is_extended_id=False)
        return self._bad_e2e(msg.arbitration_id, bytes(data))

    def _iso_tp_garbage(self) -> can.Message:
        data = bytearray(self.rng.randbytes(self.rng.randint(0, 8)))
        kind = self.rng.random()
        if data and kind < 0.5:  # well-formed PCI, random body
            data[0] = self.rng.choice([0x00, 0x10, 0x20, 0x30]) | self.rng.randrange(16)
        sid_at = 1 if data and data[0] >> 4 == 0 else 2 if data and data[0] >> 4 == 1 else None
        if sid_at is not None and len(data) > sid_at and data[sid_at] in RESETTING_SIDS:
            data[sid_at] = 0x3E
        return can.Message(arbitration_id=self.rng.choice(DIAG_IDS), data=bytes(data), is_extended_id=False)


def _record(seen: _Seen, codec: Codec, msg: can.Message, start_ns: int) -> None:
    spec = codec.by_id.get(msg.arbitration_id)
    if spec is None or msg.arbitration_id in DIAG_IDS or msg.arbitration_id >= 0x7E8:
        return
    t = round(msg.timestamp * 1e9) - start_ns
    if spec.cycle_ns:
        seen.cyclic.setdefault(msg.arbitration_id, []).append(t)
    signals = codec.decode(spec, bytes(msg.data), None).signals
    for name, value in signals.items():
        lo, hi = spec.limits[name]
        if not lo <= value <= hi:
            seen.out_of_range.append(f"{spec.name}.{name}={value}")
    if spec.name in ACTUATORS:
        seen.actuators.append((t, spec.name, tuple(signals[s] for s in ACTUATORS[spec.name])))


def _run(fuzz: bool) -> tuple[_Seen, Rig, int]:
    prep = prepared(stage=standing_start(DURATION_MS / 1e3))
    rng = random.Random(SEED)
    seen = _Seen()
    per_ms = -(-FRAMES // DURATION_MS)
    with Rig(prep, trace=False, results=False) as rig, player_bus(prep) as player:
        fuzzer = _Fuzzer(prep.codec, rng)
        start = rig.start_ns
        for t_ms in range(1, DURATION_MS + 1):
            for _ in range(per_ms if fuzz and fuzzer.sent < FRAMES else 0):
                player.send(fuzzer.frame())
                fuzzer.sent += 1
            rig.advance(start + t_ms * MS)
            while (msg := player.recv(0)) is not None:
                _record(seen, prep.codec, msg, 0)
                if msg.arbitration_id in prep.codec.by_id and msg.arbitration_id < 0x7DF:
                    fuzzer.recent = [*fuzzer.recent[-63:], msg]
    return seen, rig, fuzzer.sent


def test_a_hundred_thousand_bad_frames_change_no_output_and_no_deadline() -> None:
    clean, _, _ = _run(fuzz=False)
    fuzzed, rig, sent = _run(fuzz=True)
    print(f"\nfuzz: {sent} frames, seed {SEED} (HIL_FUZZ_SEED={SEED} HIL_FUZZ_FRAMES={FRAMES} to replay)")
    assert sent >= FRAMES
    health = rig.health
    assert health.frames_rx >= FRAMES and health.late_frames == 0
    assert health.unknown_id > 0 and health.bad_length > 0 and health.e2e  # every path was hit
    endpoints = [n.endpoint for n in rig.diagnostics.diagnosed.values()]
    assert sum(e.errors + e.ignored for e in endpoints) > 0  # ISO-TP garbage reached the UDS servers
    assert fuzzed.cyclic == clean.cyclic  # every cyclic frame on its deadline, none missing
    for frame_id, times in fuzzed.cyclic.items():
        cycle = rig.codec.by_id[frame_id].cycle_ns or 0
        assert all(b - a == cycle for a, b in itertools.pairwise(times)), hex(frame_id)
    assert fuzzed.out_of_range == []
    assert fuzzed.actuators == clean.actuators  # no bad frame moved an actuator request
