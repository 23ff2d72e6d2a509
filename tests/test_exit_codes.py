"""Exit codes are a contract: 0 ok, 1 a check failed, 2 bad input, 3 bus/runtime error, 130 SIGINT,
143 SIGTERM — for every command (README "Failure behaviour"). Long commands stopped by a signal
leave no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hil.cli import main
from tests.support import ROOT, VIRTUAL_RIG, unique_channel
from tests.sweep.helpers import sweep_file

FAILING_STAGE = ("stage: doomed\nsteps:\n  - {at: 0 s, accel: 10}\nduration: 1 s\n"
                 "expect:\n  - 'never: ECM_Engine.EngineSpeed > 0'\n")


def _stage(tmp_path: Path, text: str = FAILING_STAGE) -> Path:
    path = tmp_path / "stage.yaml"
    path.write_text(text)
    return path


def test_run_exits_0_1_2_and_3(tmp_path: Path) -> None:
    base = ["run", "--channel", unique_channel()]
    assert main([*base, "--duration", "0.2", "--out", str(tmp_path / "ok")]) == 0
    assert main([*base, "--stage", str(_stage(tmp_path)), "--out", str(tmp_path / "fail")]) == 1
    assert main([*base, "--calibration", str(tmp_path / "none.toml"), "--out", str(tmp_path / "bad")]) == 2
    assert main([*base, "--interface", "socketcan", "--channel", "nosuchcan9", "--out", str(tmp_path / "bus")]) == 3


def test_check_exits_0_and_2(tmp_path: Path) -> None:
    assert main(["check", str(VIRTUAL_RIG)]) == 0
    assert main(["check", str(tmp_path / "none.toml")]) == 2


def test_serve_exits_0_at_its_end_2_on_bad_input_and_3_when_the_bus_fails(tmp_path: Path) -> None:
    rig = str(VIRTUAL_RIG)
    assert main(["serve", rig, "--channel", unique_channel(), "--duration", "0.2", "--out", str(tmp_path / "a")]) == 0
    assert main(["serve", str(tmp_path / "none.toml")]) == 2
    assert main(["serve", rig, "--interface", "socketcan", "--channel", "nosuchcan9", "--duration", "0.2",
                 "--out", str(tmp_path / "b")]) == 3


def test_analyze_exits_0_1_and_2(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "--duration", "1", "--channel", unique_channel(), "--out", str(out)]) == 0
    log = str(out / "can.log")
    assert main(["analyze", log, "--out", str(tmp_path / "a0")]) == 0
    assert main(["analyze", log, "--stage", str(_stage(tmp_path)), "--out", str(tmp_path / "a1")]) == 1
    (tmp_path / "junk.log").write_text("not a can log\n")
    assert main(["analyze", str(tmp_path / "junk.log"), "--out", str(tmp_path / "a2")]) == 2


def test_compare_exits_0_1_and_2(tmp_path: Path) -> None:
    ch = unique_channel()
    for name, cal in (("base", "rally"), ("cand", "road")):
        assert main(["run", "--duration", "3", "--channel", ch, "--calibration",
                     str(ROOT / "calibrations" / f"{cal}.toml"), "--out", str(tmp_path / name)]) == 0
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "base")]) == 0
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "cand")]) == 1
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "nowhere")]) == 2


def test_init_exits_0_and_2(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "new")]) == 0
    assert main(["init", str(tmp_path / "new")]) == 2, "never over an existing folder"


def test_an_unknown_flag_or_command_exits_2() -> None:
    assert main(["run", "--no-such-flag"]) == 2
    assert main(["no-such-command"]) == 2


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_while_running(argv: list[str], runs: Path, sig: signal.Signals) -> tuple[int, str]:
    """Start a command in its own process group, send `sig` once a run is writing its CAN log,
    and return its exit code and output; fails if any process of its group outlives it."""
    proc = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not list(runs.glob("*/*/can.log")) and time.monotonic() < deadline:
            time.sleep(0.1)  # the workers are running
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while _alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(proc.pid), f"a worker outlived {argv[3]}"
        return proc.returncode, output
    finally:
        if _alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_regress_stopped_by_a_signal_exits_with_its_code_and_leaves_no_worker(
        tmp_path: Path, sig: signal.Signals, code: int) -> None:
    argv = [sys.executable, "-m", "hil.cli", "regress", "--calibration", str(ROOT / "calibrations" / "road.toml"),
            "--suite", str(ROOT / "stages" / "long_mixed.yaml"), "--jobs", "2", "--out", str(tmp_path / "r")]
    returncode, output = _stop_while_running(argv, tmp_path / "r", sig)
    assert returncode == code, output


def test_sweep_stopped_by_sigterm_exits_143_and_leaves_no_dask_worker(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    sweep = sweep_file(tmp_path, {"tcu.shift.power_on_up.inertia_bar": [5.0, 6.0, 8.0, 9.0]}, duration_s=None)
    argv = [sys.executable, "-m", "hil.cli", "sweep", str(sweep), "--workers", "2", "--no-dashboard",
            "--out", str(tmp_path / "s")]
    returncode, output = _stop_while_running(argv, tmp_path / "s" / "runs", signal.SIGTERM)
    assert returncode == 143, output
