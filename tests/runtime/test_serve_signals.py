"""`hil serve` stops cleanly on SIGINT and SIGTERM: exit 0, the CAN log flushed and complete."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import can
import pytest

from tests.support import ROOT, unique_channel


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_on_signal_with_exit_0_and_a_flushed_log(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "serve"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hil.cli", "serve", str(ROOT / "rigs" / "virtual.toml"),
         "--channel", unique_channel(), "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    banner = proc.stdout.readline()
    assert "serving" in banner
    time.sleep(1.0)
    proc.send_signal(sig)
    rest, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, rest
    assert "stopped after" in rest
    frames = list(can.LogReader(str(out / "can.log")))
    assert len(frames) >= 6 * 50, "about a second of six 10 ms messages, all written"
    assert (out / "run.json").exists()
