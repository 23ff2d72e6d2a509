"""The Rig owns a run: every file written on every exit path, and a run that did not reach its end
is never judged (run.json says how far it got and why it stopped)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import can
import pytest

from hil.errors import UsageError
from hil.runtime.rig import ERROR_LOG, Rig
from hil.stage.loader import load_stage
from tests.support import ROOT, prepared

S = 1_000_000_000
STAGE = ROOT / "stages" / "standing_start.yaml"  # has expectations


def _with_expectations() -> Any:
    prep = prepared()
    return prep.with_stage(load_stage(STAGE, prep.codec))


def _run_json(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "run.json").read_text())
    return data


def _log_is_whole(path: Path) -> int:
    """Every line of a candump -L log parses; returns the frame count."""
    return sum(1 for _ in can.LogReader(str(path)))


async def test_a_run_that_reaches_its_end_is_judged(tmp_path: Path) -> None:
    prep = _with_expectations()
    async with Rig(prep, out=tmp_path) as rig:
        outcome = await rig.run()
    assert outcome.reason == "completed" and not outcome.interrupted
    info = _run_json(tmp_path)
    assert info["interrupted"] is False and info["judged"] is True
    assert info["simulated_s"] == prep.stage.duration_ns / 1e9
    assert (tmp_path / "verdicts.json").exists() and (tmp_path / "junit.xml").exists()


async def test_a_stopped_run_writes_every_file_but_judges_nothing(tmp_path: Path) -> None:
    async with Rig(_with_expectations(), out=tmp_path) as rig:
        rig.on_event(lambda ev: rig.stop("SIGTERM") if ev.kind == "shift" else None)
        outcome = await rig.run()
    assert outcome.reason == "SIGTERM" and outcome.interrupted and outcome.signal_exit_code == 143
    info = _run_json(tmp_path)
    assert info["interrupted"] is True and info["reason"] == "SIGTERM" and info["judged"] is False
    assert 0 < info["simulated_s"] < info["target_s"]
    assert not (tmp_path / "verdicts.json").exists() and not (tmp_path / "junit.xml").exists()
    assert json.loads((tmp_path / "events.json").read_text())[0]["kind"] == "shift"
    assert _log_is_whole(tmp_path / "can.log") == info["bus_health"]["frames_tx"]


async def test_an_error_inside_the_run_still_closes_the_log_and_keeps_the_traceback(tmp_path: Path) -> None:
    def boom(t_ns: int, *_: object) -> None:
        if t_ns >= 2 * S:
            raise RuntimeError("observer bug")

    with pytest.raises(RuntimeError, match="observer bug") as caught:
        async with Rig(_with_expectations(), out=tmp_path) as rig:
            rig.observe(boom)
            await rig.run()
    info = _run_json(tmp_path)
    assert info["reason"] == "error: RuntimeError: observer bug" and info["judged"] is False
    assert info["simulated_s"] == 2.0
    assert "observer bug" in (tmp_path / ERROR_LOG).read_text()
    assert any(str(tmp_path / ERROR_LOG) in note for note in caught.value.__notes__)
    assert _log_is_whole(tmp_path / "can.log") > 0
    assert (tmp_path / "kpis.json").exists() and not (tmp_path / "verdicts.json").exists()


async def test_a_cancelled_run_is_recorded_as_cancelled(tmp_path: Path) -> None:
    started = asyncio.Event()

    async def run() -> None:
        async with Rig(_with_expectations(), out=tmp_path) as rig:
            rig.on_event(lambda ev: started.set())
            await rig.run()

    task = asyncio.create_task(run())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    info = _run_json(tmp_path)
    assert info["reason"] == "cancelled" and info["interrupted"] is True and info["judged"] is False


def test_a_synchronous_rig_is_virtual_time_only() -> None:
    prep = prepared()
    real = replace(prep, rig=prep.rig.with_flags(time="real"))
    with pytest.raises(UsageError, match="async with"), Rig(real):
        pass


def test_a_rig_stepped_to_its_end_by_hand_is_judged_like_a_run(tmp_path: Path) -> None:
    prep = _with_expectations()
    with Rig(prep, out=tmp_path) as rig:
        rig.advance(prep.stage.duration_ns)
    assert _run_json(tmp_path)["reason"] == "completed"
    assert (tmp_path / "verdicts.json").exists()


def _start_run(out: Path) -> subprocess.Popen[str]:
    """`hil run` of the 32-minute stage, signalled once its CAN log is being written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hil.cli", "run", "--stage", str(ROOT / "stages" / "long_mixed.yaml"),
         "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not ((out / "can.log").exists() and (out / "can.log").stat().st_size > 100_000):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize(("signals", "code"), [([signal.SIGTERM], 143), ([signal.SIGINT, signal.SIGINT], 130)],
                         ids=["SIGTERM", "Ctrl-C twice"])
def test_hil_run_interrupted_exits_with_the_signal_code_and_says_it_was_not_judged(
        tmp_path: Path, signals: list[signal.Signals], code: int) -> None:
    out = tmp_path / "run"
    proc = _start_run(out)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.05)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == code, output
    assert "expectations not judged" in output
    info = _run_json(out)
    assert info["interrupted"] is True and info["judged"] is False and info["reason"] == signals[0].name
    assert info["simulated_s"] < info["target_s"] == 1920.0
    assert not (out / "verdicts.json").exists() and not (out / "junit.xml").exists()
    assert _log_is_whole(out / "can.log") == info["bus_health"]["frames_tx"]
