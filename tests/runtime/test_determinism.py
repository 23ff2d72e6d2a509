"""Virtual runs repeat bit for bit across processes, whatever Python's hash seed: nothing orders
work or data by `hash()` of a string, a set's iteration order or the wall clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

STAGE = ROOT / "stages" / "hairpins.yaml"  # the handbrake, ABS, shifts both ways and the DCU all work


def run_in_a_fresh_process(out: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    argv = [sys.executable, "-m", "hil.cli", "run", "--stage", str(STAGE), "--duration", "20", "--out", str(out)]
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return (out / "can.log").read_bytes()


def test_can_logs_and_kpis_are_identical_across_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    first = run_in_a_fresh_process(tmp_path / "a", "1")
    second = run_in_a_fresh_process(tmp_path / "b", "4242")
    assert len(first) > 100_000
    assert first == second
    for name in ("kpis.json", "events.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
