"""What a killed or starved run leaves behind is readable: whole CSV rows and CAN-log lines, Parquet
complete or absent, events.json complete or absent, and one clear error (exit 3) on a full disk."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import can
import pyarrow.parquet as pq
import pytest

from hil.results.signals import read_signal
from tests.results import sandbox
from tests.support import ROOT


def assert_readable(out: Path) -> None:
    """Every file a run left in `out` reads back whole."""
    log = out / "can.log"
    text = log.read_text()
    assert text.endswith("\n"), "the CAN log ends with a complete line"
    assert len(list(can.LogReader(str(log)))) == text.count("\n")
    for path in sorted((out / "trace").glob("*.csv")):
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
        assert path.read_text().endswith("\n"), path
        assert rows and all(len(r) == len(rows[0]) for r in rows), f"{path}: a cut-off row"
    for path in sorted((out / "trace").glob("*.parquet")):
        pq.read_table(str(path))  # a Parquet file that exists is complete
    for name in ("events.json", "kpis.json"):
        if (out / name).exists():
            json.loads((out / name).read_text())


def test_sigkill_mid_run_leaves_whole_rows_and_no_broken_parquet(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stage = ROOT / "stages" / "long_mixed.yaml"
    argv = [sys.executable, "-m", "hil.cli", "run", "--stage", str(stage), "--out", str(out)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trace = out / "trace" / "ECM_Engine.csv"
    deadline = time.monotonic() + 120
    while (not trace.exists() or trace.stat().st_size < 100_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert trace.stat().st_size >= 100_000, "the run got going before it was killed"
    assert_readable(out)
    assert not (out / "trace" / "ECM_Engine.parquet").exists()
    times, speeds = read_signal(out, "ECM_Engine", "EngineSpeed")  # falls back to the CSV
    assert len(times) == len(speeds) > 1000


@pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))
def test_full_disk_mid_run_is_one_clear_error_with_exit_3_and_whole_files(tmp_path: Path) -> None:
    mnt = tmp_path / "mnt"
    script = (f"$PY -m hil.cli run --duration 30 --out {mnt}/run > {tmp_path}/stdout.txt 2> {tmp_path}/stderr.txt\n"
              f"echo $? > {tmp_path}/rc\ncp -r {mnt}/run {tmp_path}/kept\n")
    done = sandbox.run_on_small_fs(mnt, 384, script)
    assert done.returncode == 0, done.stderr
    err = (tmp_path / "stderr.txt").read_text()
    assert (tmp_path / "rc").read_text().strip() == "3", err
    assert "No space left on device" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert_readable(tmp_path / "kept")
