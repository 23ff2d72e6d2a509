"""Virtual time: cyclic frames exactly on their DBC cycle, timeouts reach the models, repeatable runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import can
import pytest

from hil.bus.codec import Codec
from hil.nodes.registry import build_nodes
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.timeline import standing_start
from tests.support import Probe, bare_rig, player_bus, prepared, run_virtual, unique_channel


def test_cyclic_frames_are_sent_exactly_on_their_cycle() -> None:
    _, trace = run_virtual(standing_start(2.0), 1.0)
    for name in ("DRV_Controls", "ECM_Engine", "ABS_WheelSpeeds", "TCU_Status", "HHB_Status", "DCU_Status"):
        times = [f.t_ns for f in trace.of(name)]
        assert times == [i * 10_000_000 for i in range(101)], name
    assert [f.t_ns for f in trace.of("TCU_Identity")] == [0, 1_000_000_000]


def test_node_offsets_shift_a_nodes_frames_within_the_cycle() -> None:
    prep = prepared(stage=standing_start(2.0))
    trace = Trace()
    nodes = build_nodes(prep.rig.emulate, prep.calibration, prep.stage)
    with bare_rig(prep, nodes, emulate=prep.rig.emulate, offsets_ms={"TCU": 2.5}) as rig:
        rig.observe(trace)
        rig.advance(50_000_000)
    assert [f.t_ns for f in trace.of("TCU_Status")] == [2_500_000 + i * 10_000_000 for i in range(5)]
    assert [f.t_ns for f in trace.of("ECM_Engine")][:2] == [0, 10_000_000]


def test_message_timeout_reaches_the_model_after_three_cycles() -> None:
    prep = prepared(emulate=())
    player_codec = Codec.load(prep.rig.dbc_path)  # its own E2E counters, like another ECU
    probe = Probe("ECM_Engine", "EngineSpeed")
    with bare_rig(prep, [probe]) as rig, player_bus(prep) as player:
        for k in range(10):  # ECM frames at 0..90 ms, then silence
            fid, data = player_codec.encode("ECM_Engine", {"EngineSpeed": 1000.0 + k})
            player.send(can.Message(arbitration_id=fid, data=data, is_extended_id=False, timestamp=k / 100))
            rig.advance(k * 10_000_000)
        rig.advance(200_000_000)
    timed_out = {t // 1_000_000: flag for t, flag, _ in probe.seen}
    assert timed_out[0] is False and timed_out[90] is False
    assert timed_out[120] is False, "3 x 10 ms after the last frame is still in time"
    assert timed_out[130] is True
    assert probe.seen[-1][2] == 1009.0, "the last good value stays readable after a timeout"


def test_a_message_never_received_is_timed_out_from_the_start() -> None:
    prep = prepared(emulate=())
    probe = Probe("HHB_Status")
    with bare_rig(prep, [probe]) as rig:
        rig.advance(30_000_000)
    assert len(probe.seen) == 4
    assert all(flag for _, flag, _ in probe.seen)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".log", ".blf", ".csv"])
def test_two_virtual_runs_write_byte_identical_can_logs(tmp_path: Path, suffix: str) -> None:
    digests = []
    channel = unique_channel()  # the same bus for both runs: frames carry its name into the log
    for i in range(2):
        prep = prepared(stage=standing_start(6.0), channel=channel)
        prep = type(prep)(prep.rig.with_flags(log=f"can{suffix}"), prep.codec, prep.calibration, prep.stage)
        out = tmp_path / f"run{i}"
        with Rig(prep, out=out) as rig:
            rig.advance(prep.stage.duration_ns)
        digests.append(_digest(out / f"can{suffix}"))
    assert digests[0] == digests[1]
    assert (tmp_path / "run0" / f"can{suffix}").stat().st_size > 10_000
