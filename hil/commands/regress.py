"""`hil regress --calibration CAND`: run a stage suite with a candidate calibration and judge every KPI.

The baseline is a stored suite folder (`--baseline DIR`) or the baseline calibration run fresh
beside the candidate. Stages run in parallel (`--jobs`); the verdicts are `hil compare`'s.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rich.console import Console

from hil import logs
from hil.commands.common import add_out_flags, default_rig
from hil.commands.compare import finish
from hil.config.rig import load_rig
from hil.errors import UsageError
from hil.results.compare import compare_folders, load_tolerances
from hil.results.outdir import prepare_out_dir
from hil.runtime.suite import Job, run_jobs, stage_files, stage_key

DEFAULT_SUITE = Path("stages")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("regress", help="run a stage suite with a candidate calibration and judge every KPI",
                       description="Run every stage of --suite with the candidate calibration (and, without "
                                   "--baseline, with the baseline calibration too), compare every KPI within "
                                   "the tolerances and write a report. Exit 0: no regression, 1: a regression, "
                                   "2: bad input.")
    p.add_argument("--calibration", type=Path, required=True, help="candidate calibration file")
    p.add_argument("--baseline", type=Path, metavar="DIR",
                   help="stored baseline: a suite folder of results folders, e.g. a previous run's candidate/")
    p.add_argument("--baseline-calibration", type=Path, metavar="FILE",
                   help="calibration to run fresh as the baseline (default: the rig's, rally.toml)")
    p.add_argument("--suite", type=Path, nargs="+", default=None, metavar="PATH",
                   help="stage files or folders (default: stages/); 'builtin' = the embedded standing start")
    p.add_argument("--tolerances", type=Path, help="tolerance file (default: <suite folder>/tolerances.toml)")
    p.add_argument("--rig", type=Path, help="virtual rig (default: rigs/virtual.toml)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel runs (default: all cores)")
    p.add_argument("--duration", type=float, metavar="S", help="cap every stage at S simulated seconds")
    add_out_flags(p, "output folder", "runs/regress-<time>")
    p.add_argument("--no-run-reports", action="store_true", help="skip each run's own plot and report.html")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not args.calibration.is_file():
        raise UsageError(f"--calibration {args.calibration}: no such file")
    suite: list[Path] = args.suite or [DEFAULT_SUITE]
    stages = stage_files(suite)
    tol_path = args.tolerances
    if tol_path is None:
        first_dir = next((p for p in suite if p.is_dir()), None)
        if first_dir is not None and (first_dir / "tolerances.toml").exists():
            tol_path = first_dir / "tolerances.toml"
    tols = load_tolerances(tol_path)  # bad tolerances refuse the run before it starts
    rig_path = args.rig or default_rig()
    rig = load_rig(rig_path)
    if rig.spec.rig.time != "virtual":
        raise UsageError(f"{rig_path}: regress runs virtual rigs only")
    out = prepare_out_dir(args.out or Path("runs") / f"regress-{time.strftime('%Y%m%d-%H%M%S')}", force=args.force)
    base_cal = args.baseline_calibration or rig.calibration_path
    sides = [("candidate", args.calibration)]
    if args.baseline is None:
        sides.insert(0, ("baseline", base_cal))
    elif not args.baseline.is_dir():
        raise UsageError(f"--baseline {args.baseline}: no such folder")
    keys = [stage_key(s) for s in stages]
    if len(set(keys)) != len(keys):
        raise UsageError("two stages of the suite have the same file name")
    jobs = [Job(f"{side}/{key}", str(rig_path), str(stage.resolve()) if stage else None,
                str(Path(cal).resolve()), str(out / side / key), args.duration, not args.no_run_reports)
            for side, cal in sides for stage, key in zip(stages, keys, strict=True)]
    console = Console(width=160, quiet=logs.quiet())
    console.print(f"regress: {len(stages)} stage(s) x {len(sides)} calibration(s) on {args.jobs} worker(s) -> {out}")
    wall0 = time.perf_counter()
    run_jobs(jobs, args.jobs, console,
             on_done=lambda label, folder, wall: console.print(f"  {label}: {wall:.1f} s -> {folder}"))
    console.print(f"suite done in {time.perf_counter() - wall0:.1f} s")
    baseline = args.baseline if args.baseline is not None else out / "baseline"
    comparisons = compare_folders(baseline, out / "candidate", tols)
    return finish(comparisons, out / "report", tols.path, console)
