"""Malformed, unknown, corrupted, repeated and error frames are counted and survived, never used."""

from __future__ import annotations

import can

from hil.bus.codec import Codec
from tests.support import Probe, bare_rig, player_bus, prepared


def _send(bus: can.BusABC, fid: int, data: bytes, **kw: bool) -> None:
    bus.send(can.Message(arbitration_id=fid, data=data, is_extended_id=False, **kw))


def test_bad_frames_are_counted_and_the_session_keeps_using_good_ones() -> None:
    prep = prepared(emulate=())
    codec = Codec.load(prep.rig.dbc_path)
    probe = Probe("ECM_Engine", "EngineSpeed")
    with bare_rig(prep, [probe]) as rig, player_bus(prep) as player:
        fid, good = codec.encode("ECM_Engine", {"EngineSpeed": 1500.0})
        _send(player, fid, good)
        rig.advance(0)
        _send(player, fid, good[:5])  # wrong length
        _send(player, 0x7FF, bytes(8))  # unknown ID
        corrupt = bytearray(codec.encode("ECM_Engine", {"EngineSpeed": 6000.0})[1])
        corrupt[3] ^= 0x40
        _send(player, fid, bytes(corrupt))  # bad CRC
        _send(player, fid, good)  # same counter again
        _send(player, fid, bytes(8), is_error_frame=True)
        _send(player, fid, b"", is_remote_frame=True)
        rig.advance(10_000_000)
        fid, later = codec.encode("ECM_Engine", {"EngineSpeed": 2500.0})
        _send(player, fid, later)
        rig.advance(20_000_000)
    h = rig.health
    assert (h.bad_length, h.unknown_id, h.error_frames, h.remote_frames) == (1, 1, 1, 1)
    assert h.e2e["ECM_Engine:ERROR"] == 1
    assert h.e2e["ECM_Engine:REPEATED"] == 1
    assert h.bad_frames == 4
    values = [v for _, _, v in probe.seen]
    assert 6000.0 not in values, "a frame with a bad CRC is never used"
    assert values == [1500.0, 1500.0, 2500.0]


def test_frame_with_wrong_data_id_is_an_e2e_error() -> None:
    prep = prepared(emulate=())
    codec = Codec.load(prep.rig.dbc_path)
    probe = Probe("ABS_WheelSpeeds", "VehicleSpeed")
    with bare_rig(prep, [probe]) as rig, player_bus(prep) as player:
        # an ECM payload (protected with Data ID 0x80) sent under the ABS frame ID
        _, data = codec.encode("ECM_Engine", {"EngineSpeed": 3000.0})
        _send(player, codec.specs["ABS_WheelSpeeds"].frame_id, data)
        rig.advance(10_000_000)
    assert rig.health.e2e["ABS_WheelSpeeds:ERROR"] == 1
    assert all(timed_out for _, timed_out, _ in probe.seen)


def test_a_29_bit_frame_with_the_id_of_one_of_ours_is_unknown_not_decoded() -> None:
    prep = prepared(emulate=())
    codec = Codec.load(prep.rig.dbc_path)
    probe = Probe("ECM_Engine", "EngineSpeed")
    with bare_rig(prep, [probe]) as rig, player_bus(prep) as player:
        fid, frame = codec.encode("ECM_Engine", {"EngineSpeed": 3000.0})
        player.send(can.Message(arbitration_id=fid, data=frame, is_extended_id=True))
        player.send(can.Message(arbitration_id=0x7E1, data=bytes([2, 0x10, 0x03, 0, 0, 0, 0, 0]),
                                is_extended_id=True))  # a UDS request, but 29-bit: not for the TCU
        rig.advance(20_000_000)
    assert rig.health.unknown_id == 2 and rig.health.frames_rx == 2
    assert all(v != 3000.0 for _, _, v in probe.seen)
