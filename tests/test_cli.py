"""The command line contract: exit codes, --help everywhere, `hil run` writes a CAN log."""

from __future__ import annotations

import json
from pathlib import Path

import can
import pytest

from hil.cli import build_parser, main
from tests.support import VIRTUAL_RIG, unique_channel


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert main([name, "--help"]) == 0
        assert "usage: hil" in capsys.readouterr().out


def test_unknown_flag_exits_2() -> None:
    assert main(["run", "--no-such-flag"]) == 2


def test_missing_stage_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(VIRTUAL_RIG), "--stage", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_unopenable_bus_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(VIRTUAL_RIG), "--interface", "socketcan", "--channel", "nosuchcan9",
                 "--duration", "0.1", "--out", str(tmp_path)])
    assert code == 3
    assert "cannot open bus" in capsys.readouterr().err


def test_hil_run_writes_a_readable_can_log_and_run_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    assert main(["run", "--duration", "2", "--out", str(out), "--channel", unique_channel()]) == 0
    frames = list(can.LogReader(str(out / "can.log")))
    assert len(frames) >= 6 * 200
    assert {f.arbitration_id for f in frames} >= {0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0}
    info = json.loads((out / "run.json").read_text())
    assert info["simulated_s"] == 2.0
    assert len(info["calibration"]["sha256"]) == 64
    assert info["bus_health"]["frames_tx"] == len(frames)
    assert "simulated in" in capsys.readouterr().out


def test_python_dash_m_hil_is_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "hil", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("hil ")
