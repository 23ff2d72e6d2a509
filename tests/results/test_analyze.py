"""`hil analyze LOG`: a recorded log becomes the results folder of a run, emulating nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hil.cli import main
from tests.support import ROOT, unique_channel

STAGE = ROOT / "stages" / "standing_start.yaml"


def test_analysing_the_log_of_a_run_gives_the_runs_kpis_events_and_verdicts(tmp_path: Path) -> None:
    assert main(["run", "-q", "--stage", str(STAGE), "--out", str(tmp_path / "run"),
                 "--channel", unique_channel()]) == 0
    assert main(["analyze", str(tmp_path / "run" / "can.log"), "--stage", str(STAGE), "--out",
                 str(tmp_path / "log")]) == 0
    for name in ("kpis.json", "events.json"):
        assert (tmp_path / "log" / name).read_text() == (tmp_path / "run" / name).read_text(), name
    verdicts = json.loads((tmp_path / "log" / "verdicts.json").read_text())
    assert verdicts == json.loads((tmp_path / "run" / "verdicts.json").read_text()) and len(verdicts) == 7
    assert (tmp_path / "log" / "trace" / "TCU_Status.csv").is_file()
    assert (tmp_path / "log" / "report.html").is_file()


def test_a_file_that_is_not_a_can_log_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bench.log"
    bad.write_text("this is not candump output\n")
    assert main(["analyze", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "bench.log" in capsys.readouterr().err
