"""Handbrake latencies from the bus: constructed frames and logs with known answers, and `hil run` output."""

from __future__ import annotations

from pathlib import Path

import can
import pytest

from hil.bus.codec import Codec
from hil.cli import main
from hil.results.latency import HandbrakeLatency, HandbrakeLatencyObserver, latencies_from_log
from tests.support import ROOT

MS = 1_000_000
DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"

# (t_ms, message, signals): a pull at 100 ms; request +20, open +70, pressure +80, locked +300
SCRIPT: list[tuple[int, str, dict[str, float]]] = [
    (0, "DRV_Controls", {"HandbrakeLever": 0.0}),
    (0, "DCU_Status", {"CentreCouplingTorque": 300.0, "CentreMode": 1.0}),
    (0, "HHB_Status", {}),
    (100, "DRV_Controls", {"HandbrakeLever": 50.0}),
    (110, "HHB_Status", {}),
    (120, "HHB_Status", {"CentreOpenRequest": 1.0, "State": 1.0}),
    (125, "DCU_Status", {"CentreCouplingTorque": 150.0, "CentreMode": 3.0}),
    (170, "DCU_Status", {"CentreCouplingTorque": 0.0, "CentreMode": 3.0}),
    (180, "HHB_Status", {"CentreOpenRequest": 1.0, "State": 1.0, "RearBrakePressure": 12.0}),
    (400, "HHB_Status", {"CentreOpenRequest": 1.0, "State": 2.0, "RearBrakePressure": 90.0,
                         "RearAxleLocked": 1.0}),
    (600, "DRV_Controls", {"HandbrakeLever": 0.0}),
    (700, "HHB_Status", {}),
]
EXPECTED = HandbrakeLatency(100 * MS, request_ms=20.0, open_ms=70.0, pressure_ms=80.0, locked_ms=300.0)


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec.load(DBC)


def test_observer_measures_each_step_from_the_lever_frame(codec: Codec) -> None:
    obs = HandbrakeLatencyObserver(lever_on_pct=10.0, lever_off_pct=5.0)
    for t_ms, name, sig in SCRIPT:
        obs(t_ms * MS, codec.specs[name], {**codec.specs[name].defaults, **sig}, False)
    assert obs.pulls == [EXPECTED]
    assert "centre request    20 ms" in obs.lines()[1]


def test_a_pull_released_before_the_lock_reports_the_lock_as_never(codec: Codec) -> None:
    obs = HandbrakeLatencyObserver()
    drv, hhb = codec.specs["DRV_Controls"], codec.specs["HHB_Status"]
    obs(0, drv, {**drv.defaults, "HandbrakeLever": 30.0}, False)
    obs(20 * MS, hhb, {**hhb.defaults, "CentreOpenRequest": 1.0}, False)
    obs(50 * MS, drv, {**drv.defaults, "HandbrakeLever": 0.0}, False)
    obs(90 * MS, hhb, {**hhb.defaults, "RearAxleLocked": 1.0}, False)  # after the release: not this pull
    assert obs.pulls == [HandbrakeLatency(0, request_ms=20.0)]
    assert "rear locked    never" in obs.lines()[1]


def test_lever_between_thresholds_does_not_end_a_pull(codec: Codec) -> None:
    obs = HandbrakeLatencyObserver(lever_on_pct=10.0, lever_off_pct=5.0)
    drv = codec.specs["DRV_Controls"]
    for t_ms, lever in ((0, 20.0), (10, 7.0), (20, 20.0), (30, 2.0), (40, 20.0)):
        obs(t_ms * MS, drv, {**drv.defaults, "HandbrakeLever": lever}, False)
    assert [p.t_lever_ns for p in obs.pulls] == [0, 40 * MS]


def test_latencies_from_a_log_file_match_the_known_answers_and_skip_bad_crc_frames(
        codec: Codec, tmp_path: Path) -> None:
    writer_codec = Codec.load(DBC)  # the sender's own E2E counters
    frames = list(SCRIPT)
    frames.insert(1, (50, "DRV_Controls", {"HandbrakeLever": 100.0}))  # corrupted below: no pull at 50 ms
    path = tmp_path / "can.log"
    logger = can.Logger(str(path))
    for t_ms, name, sig in frames:
        frame_id, data = writer_codec.encode(name, sig)
        payload = bytearray(data)
        if t_ms == 50:
            payload[0] ^= 0xFF
        logger.on_message_received(can.Message(timestamp=1000.0 + t_ms / 1000.0, arbitration_id=frame_id,
                                               data=bytes(payload), is_extended_id=False))
    logger.stop()
    pulls = latencies_from_log(path, codec)
    assert len(pulls) == 1
    p = pulls[0]
    assert p.t_lever_ns == 1_000_100 * MS
    for field in ("request_ms", "open_ms", "pressure_ms", "locked_ms"):
        assert getattr(p, field) == pytest.approx(getattr(EXPECTED, field), abs=0.01)


def test_hil_run_prints_handbrake_latencies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--stage", str(ROOT / "stages" / "hairpins.yaml"), "--duration", "17.5",
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "handbrake pulls: 1" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("#1 at"))
    assert "never" not in line
    live = line
    logged = latencies_from_log(tmp_path / "out" / "can.log", Codec.load(DBC))
    assert len(logged) == 1 and logged[0].line(1) == live
