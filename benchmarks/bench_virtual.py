"""Virtual time: speed-up of a whole run against a baseline checkout, peak memory, a 24-hour soak.

The baseline is this repository at BASELINE_REV (the commit before the speed work) checked out
in a temporary `git worktree`, so both trees run the same stage on the same machine in turn
(A B A B ...): the ratio of the pair medians stays honest on a busy machine. Speed-up is
simulated seconds per CPU second on one core (the process is pinned to one CPU): wall time on a
shared 2-core machine measures the neighbours more than the code.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.targets import Row

ROOT = Path(__file__).resolve().parents[1]
BASELINE_REV = "b21f17ac500607299c9c81f6ca185af955e38be6"  # main before issue 15's first change
LONG_STAGE = "stages/long_mixed.yaml"

# Runs inside the tree under test (its own `hil` on PYTHONPATH): the same Rig a `hil run` builds
# (six nodes, CAN log, trace, KPIs, events, verdicts), timed from opening the rig to its teardown.
DRIVER = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
from hil.config.rig import load_rig
from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
rig_file, stage, out, channel = sys.argv[1:5]
flags = {"channel": channel, **({"stage": stage} if stage else {})}
prep = prepare(load_rig(Path(rig_file)).with_flags(**flags))
async def main():
    async with Rig(prep, out=Path(out)) as rig:
        return await rig.run()
c0, w0 = time.process_time(), time.perf_counter()
outcome = asyncio.run(main())
print(json.dumps({"sim_s": outcome.reached_ns / 1e9, "cpu_s": time.process_time() - c0,
                  "wall_s": time.perf_counter() - w0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@dataclass(frozen=True)
class Measured:
    sim_s: float
    cpu_s: float
    wall_s: float
    peak_rss_mb: float

    @property
    def speedup(self) -> float:
        return self.sim_s / self.cpu_s


@contextlib.contextmanager
def baseline_tree(rev: str = BASELINE_REV) -> Iterator[Path | None]:
    """A detached worktree of `rev`, removed afterwards; None where this is no git checkout."""
    with tempfile.TemporaryDirectory(prefix="d7xr-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                              capture_output=True, text=True, check=False)
        if made.returncode != 0:
            print(f"baseline skipped: {made.stderr.strip()}", file=sys.stderr)
            yield None
            return
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           capture_output=True, check=False)


def _run(cmd: list[str], tree: Path) -> tuple[str, float, float]:
    """Run `cmd` in `tree` pinned to one CPU, reaping it ourselves so its own rusage is exact:
    its stdout, CPU seconds (user + system, every thread) and peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=out, stderr=err)
        os.sched_setaffinity(proc.pid, {max(os.sched_getaffinity(0))})  # one core, threads and all
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in (0, 1):  # 1: an expectation failed, still a whole run
            raise RuntimeError(f"{' '.join(cmd)} exited {code} in {tree}:\n{err.read()[-2000:]}")
        return out.read(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def drive(tree: Path, stage: str | None) -> Measured:
    """The run itself (the Rig from open to teardown), in a fresh process of `tree`."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", DRIVER, str(tree / "rigs" / "virtual.toml"),
               str(tree / stage) if stage else "", str(Path(tmp) / "out"), f"bench-{time.monotonic_ns()}"]
        out, _, _ = _run(cmd, tree)
    return Measured(**json.loads(out.strip().splitlines()[-1]))


def whole_run(tree: Path, stage: str | None) -> tuple[float, float, float]:
    """`hil run` as a user starts it (start-up, report and plots included): simulated s, CPU s,
    peak RSS MB."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "hil.cli", "run", "--out", str(out),
               *(["--stage", str(tree / stage)] if stage else [])]
        _, cpu, rss = _run(cmd, tree)
        sim = float(json.loads((out / "run.json").read_text())["simulated_s"])
    return sim, cpu, rss


def _pairs(tree: Path, base: Path | None, stage: str | None, runs: int) -> tuple[list[Measured], list[Measured]]:
    ours: list[Measured] = []
    theirs: list[Measured] = []
    for _ in range(runs):  # A B A B: both see the same machine, drift and all
        ours.append(drive(tree, stage))
        if base is not None:
            theirs.append(drive(base, stage))
    return ours, theirs


def _speedup_rows(key: str, ours: list[Measured], theirs: list[Measured], label: str) -> list[Row]:
    speed = statistics.median(m.speedup for m in ours)
    base = statistics.median(m.speedup for m in theirs) if theirs else float("nan")
    ratio = statistics.median(a.speedup / b.speedup for a, b in zip(ours, theirs, strict=True)) if theirs else \
        float("nan")
    wall = statistics.median(m.sim_s / m.wall_s for m in ours)
    return [
        Row(f"{key}_speedup", speed, "x", ">= 200", base, label,
            f"simulated s per CPU s, one core, median of {len(ours)}"),
        Row(f"{key}_vs_baseline", ratio, "x", "", float("nan"), "", "median of pairwise ratios"),
        Row(f"{key}_wall_speedup", wall, "x", "", float("nan"), "", "simulated s per wall s: machine load shows"),
    ]


def bench_virtual(runs: int, long_runs: int, rev: str = BASELINE_REV) -> list[Row]:
    """Default rig (its 30 s stage) and the 32-minute stage: speed-up against the baseline; the
    whole `hil run` of the 32-minute stage for peak memory."""
    label = rev[:7]
    rows: list[Row] = []
    with baseline_tree(rev) as base:
        ours, theirs = _pairs(ROOT, base, None, runs)
        rows += _speedup_rows("virtual_default", ours, theirs, label)
        ours, theirs = _pairs(ROOT, base, LONG_STAGE, long_runs)
        rows += _speedup_rows("virtual_long_mixed", ours, theirs, label)
        sim, cpu, rss = whole_run(ROOT, LONG_STAGE)
        base_sim, base_cpu, base_rss = whole_run(base, LONG_STAGE) if base is not None else (1.0, float("nan"),
                                                                                             float("nan"))
    rows += [
        Row("memory_long_mixed_peak_rss", rss, "MB", "<= 250", base_rss, label, "whole `hil run`, 32-min stage"),
        Row("whole_run_long_mixed_speedup", sim / cpu, "x", "", base_sim / base_cpu, label,
            "whole `hil run` process incl. start-up, report, plots"),
    ]
    return rows
