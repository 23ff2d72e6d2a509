"""`hil sweep SWEEP.yaml`: every calibration variant of a sweep file on every stage, on Dask distributed.

Dask is imported only when the command runs (the `[sweep]` extra), so `hil --help` stays light.
Exit 0: every run finished (regressions are findings, not failures), 1: a run ended in error,
2: bad input (the sweep file, a variant, a stage, a flag).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from hil import logs
from hil.commands.common import default_rig
from hil.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sweep", help="run calibration variants over stages on a Dask cluster, one results table",
                       description="Expand the sweep file's parameters into calibration variants (each validated "
                                   "like a calibration file), run every variant and the base on every stage in "
                                   "virtual time on Dask (a local cluster on 127.0.0.1 by default), and write "
                                   "OUT/results.parquet, OUT/results.csv and OUT/summary.html. A re-run skips "
                                   "the runs already done. Exit 0: done, 1: a run ended in error, 2: bad input.")
    p.add_argument("sweep", type=Path, help="sweep file (YAML)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="an existing Dask scheduler (default: a local cluster on this machine)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local cluster size (default: all cores); with --scheduler, wait for N workers")
    p.add_argument("--out", type=Path, help="output folder (default: runs/sweep-<sweep name>)")
    p.add_argument("--no-dashboard", action="store_true", help="do not start Dask's dashboard (local cluster)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:  # lazily: Dask is the optional [sweep] extra, and `hil --help` must not pay for it
        from hil.sweep.cluster import check_workers, connect, dashboard_line  # noqa: PLC0415
        from hil.sweep.sweeper import check_sweep, run_checked  # noqa: PLC0415
    except ImportError as exc:
        raise UsageError(f"hil sweep needs Dask ({exc.name} is missing): pip install 'd7xr-hil[sweep]'") from None
    out: Path = args.out or Path("runs") / f"sweep-{args.sweep.stem}"
    console = Console(width=160, quiet=logs.quiet())
    checked = check_sweep(args.sweep, out, default_rig())  # every variant and stage, before any cluster
    console.print(f"sweep {args.sweep}: {len(checked.variants) - 1} variant(s) + base x "
                  f"{len(checked.sweep.stages)} stage(s) -> {out}")
    wall0 = time.perf_counter()
    with connect(args.scheduler, args.workers, dashboard=not args.no_dashboard) as client:
        console.print(f"{check_workers(client)} worker(s); "
                      + dashboard_line(client, args.scheduler is not None or not args.no_dashboard))
        result = run_checked(checked, client, console)
    done = result.collected
    rate = done.ran / (time.perf_counter() - wall0) * 60 if done.ran else 0.0
    console.print(f"{done.ran} run(s) in {done.wall_s:.1f} s ({rate:.1f}/min), {done.resumed} resumed; "
                  f"{result.errors} error(s)")
    for path in result.files:
        console.print(f"  {path}")
    return 1 if result.errors else 0
