"""Run one stage into a results folder through a `Rig` (virtual time), and a suite of them across processes.

Each run is independent and deterministic, so a suite fans out over a process pool; workers
report simulated time through a queue and the parent draws one rich progress bar per run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue as queue_mod
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from hil.config.rig import load_rig
from hil.errors import UsageError
from hil.results.kpis import Kpis
from hil.results.progress import Report, make_progress
from hil.results.report import write_run_report
from hil.runtime.outcome import RunOutcome
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig

BUILTIN_STAGE = "builtin"  # the embedded standing start, for a suite without stage files
STAGE_SUFFIXES = (".yaml", ".yml")


def run_to_folder(prep: Prepared, out: Path, until_ns: int | None = None,
                  report: Report | None = None, *, trace: bool = True) -> tuple[Kpis, RunOutcome]:
    """Run a prepared virtual rig to `until_ns` (default: its end) and write the whole results folder
    (without the decoded signal trace if `trace` is False: KPIs and events do not need it)."""
    return asyncio.run(_run_to_folder(prep, out, prep.duration_ns if until_ns is None else until_ns, report, trace))


async def _run_to_folder(prep: Prepared, out: Path, until_ns: int, report: Report | None,
                         trace: bool) -> tuple[Kpis, RunOutcome]:
    async with Rig(prep, out=out, until_ns=until_ns, progress=report, mqtt=False, trace=trace) as rig:
        outcome = await rig.run()
    assert rig.results is not None
    if report is not None:
        report(outcome.reached_ns)
    return rig.results.kpi.kpis(), outcome


@dataclass(frozen=True)
class Job:
    label: str          # "<side>/<stage>", also the results subfolder
    rig: str
    stage: str | None   # stage file, None: the embedded standing start
    calibration: str
    out: str
    duration_s: float | None
    report: bool = True


def stage_files(suite: list[Path]) -> list[Path | None]:
    """Stage files of a suite: directories give their *.yaml/*.yml; `builtin` the embedded stage."""
    out: list[Path | None] = []
    for entry in suite:
        if str(entry) == BUILTIN_STAGE:
            out.append(None)
        elif entry.is_dir():
            out += sorted(p for p in entry.iterdir() if p.suffix in STAGE_SUFFIXES)
        elif entry.is_file():
            out.append(entry)
        else:
            raise UsageError(f"--suite {entry}: no such file or directory")
    if not out:
        raise UsageError(f"--suite {' '.join(map(str, suite))}: no stage files (*.yaml, *.yml) found")
    return out


def stage_key(stage: Path | None) -> str:
    return "standing_start" if stage is None else stage.stem


def run_job(job: Job, progress: Any = None) -> tuple[str, str, float]:
    """One run in a worker process: (label, results folder, wall seconds)."""
    wall0 = time.perf_counter()
    rig = load_rig(Path(job.rig)).with_flags(
        stage=job.stage, calibration=job.calibration, duration_s=job.duration_s,
        channel=f"regress-{uuid.uuid4().hex[:12]}",  # python-can virtual channels are per process, but be sure
    )
    prep = prepare(rig)
    duration_ns = prep.duration_ns
    report: Report | None = None
    if progress is not None:
        progress.put((job.label, 0, duration_ns))
        def report(t_ns: int) -> None:
            progress.put((job.label, t_ns, duration_ns))
    out = Path(job.out)
    run_to_folder(prep, out, report=report)
    if job.report:
        write_run_report(out)
    return job.label, str(out), time.perf_counter() - wall0


def run_jobs(jobs: list[Job], workers: int, console: Console | None = None,
             on_done: Callable[[str, str, float], None] | None = None) -> dict[str, str]:
    """Run jobs on `workers` processes with a progress bar per job; label -> results folder."""
    done: dict[str, str] = {}
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding rich's render thread
    with ctx.Manager() as manager, make_progress(console) as bars, ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=ctx) as pool:
        q = manager.Queue()
        tasks = {j.label: bars.add_task(j.label, total=None) for j in jobs}
        futures: dict[Future[tuple[str, str, float]], Job] = {pool.submit(run_job, j, q): j for j in jobs}
        pending = set(futures)
        try:
            while pending:
                try:
                    label, t_ns, total_ns = q.get(timeout=0.2)
                    bars.update(tasks[label], completed=t_ns / 1e9, total=total_ns / 1e9)
                except queue_mod.Empty:
                    pass
                for fut in [f for f in pending if f.done()]:
                    pending.discard(fut)
                    label, out, wall = fut.result()  # a worker's HilError surfaces here, as in a plain run
                    done[label] = out
                    if on_done is not None:
                        on_done(label, out, wall)
        except BaseException:  # an error, Ctrl-C or SIGTERM: no worker may run on after us
            _stop_workers(pool)
            raise
    return done


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    # A running job would otherwise finish first (minutes); there is no public way to stop a busy
    # worker before Python 3.14's terminate_workers().
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
