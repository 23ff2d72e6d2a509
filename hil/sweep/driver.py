"""Submit a planned sweep to Dask and collect each run once, as it completes, with a progress bar.

A worker that dies mid-run is Dask's business: the scheduler hands the task to another worker
(up to `distributed.scheduler.allowed-failures` times), and the task key is one per
(variant, stage), so a result arrives once. A run that raised arrives as an error record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, Future, as_completed
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hil.sweep.job import RunOutcome, run_one
from hil.sweep.plan import Planned, Record, finished, record_of, write_record


@dataclass(frozen=True)
class Collected:
    records: list[Record]   # in plan order, one per (variant, stage)
    ran: int
    resumed: int
    wall_s: float


def execute(client: Client, planned: list[Planned], out: Path, console: Console) -> Collected:
    """Run what is not already recorded; write each record as its run completes."""
    wall0 = time.perf_counter()
    records: dict[str, Record] = {}
    to_run: list[Planned] = []
    for p in planned:
        found = finished(p)
        if found is None:
            to_run.append(p)
        else:
            records[p.spec.key] = found
    console.print(f"sweep: {len(planned)} run(s): {len(to_run)} to run, {len(records)} already done")
    by_key = {p.spec.key: p for p in to_run}
    futures = [client.submit(run_one, p.spec, key=p.spec.key) for p in to_run]
    columns = (TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("runs", total=len(futures))
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            p = by_key[str(future.key)]
            record = record_of(p, _outcome(future, p), out)
            write_record(record, Path(p.spec.out))
            records[p.spec.key] = record
            future.release()
            bar.advance(task)
            if record.error is not None:
                console.print(f"  {record.variant}/{record.stage}: error: {record.error}")
    return Collected([records[p.spec.key] for p in planned], len(to_run), len(planned) - len(to_run),
                     time.perf_counter() - wall0)


def _outcome(future: Future[RunOutcome], p: Planned) -> RunOutcome:
    try:
        return future.result()
    except Exception as exc:  # e.g. KilledWorker: the task took down every worker it was given
        spec = p.spec
        return RunOutcome(spec.variant, spec.stage, spec.calibration_sha256, None,
                          f"{type(exc).__name__}: {exc}", None, worker="?")
