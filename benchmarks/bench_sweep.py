"""`hil sweep` figures: runs per minute on a LocalCluster of 1 and of 2 workers, and the scaling ratio.

    python benchmarks/bench.py --only sweep
    python benchmarks/bench_sweep.py --sweep-stage-s 20

The same sweep (a 3 x 3 grid plus the base, on the standing start and the fast limiter stage) runs
once per cluster size into a fresh folder (nothing resumed); the rate counts runs from submission
to the last result on warmed-up workers, so cluster start-up is reported apart.
Efficiency = ratio / workers (1.0 = perfect scaling).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hil.sweep.cluster import check_workers, connect  # noqa: E402
from hil.sweep.sweeper import check_sweep, run_checked  # noqa: E402

RIG = ROOT / "rigs" / "virtual.toml"
Figures = dict[str, float]


def _sweep_file(folder: Path, stage_s: float) -> Path:
    data = {
        "base": str(ROOT / "calibrations" / "rally.toml"),
        "stages": [str(ROOT / "stages" / "standing_start.yaml"), str(ROOT / "stages" / "fast_limiter.yaml")],
        "parameters": {"tcu.shift.power_on_up.inertia_bar": [5.0, 7.0, 9.0], "tcu.upshift_cut_pct": [10, 20, 30]},
        "duration_s": stage_s,
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def bench_sweep(stage_s: float, worker_counts: tuple[int, ...] = (1, 2)) -> Figures:
    figures: Figures = {"sweep_stage_s": stage_s}
    with tempfile.TemporaryDirectory() as tmp:
        path = _sweep_file(Path(tmp), stage_s)
        for n in worker_counts:
            checked = check_sweep(path, Path(tmp) / f"out-{n}", RIG)
            t0 = time.perf_counter()
            with connect(None, n, dashboard=False) as client:
                check_workers(client)  # also loads the run code on every worker: the rate counts runs only
                started = time.perf_counter() - t0
                result = run_checked(checked, client, Console(file=io.StringIO()))
            runs = result.collected.ran
            figures[f"sweep_runs_{n}w"] = float(runs)
            figures[f"sweep_cluster_start_{n}w_s"] = started
            figures[f"sweep_runs_per_min_{n}w"] = runs / result.collected.wall_s * 60
    if len(worker_counts) == 2:
        a, b = worker_counts
        ratio = figures[f"sweep_runs_per_min_{b}w"] / figures[f"sweep_runs_per_min_{a}w"]
        figures[f"sweep_scaling_{b}w_over_{a}w"] = ratio
        figures["sweep_scaling_efficiency"] = ratio / (b / a)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep-stage-s", type=float, default=20.0, help="simulated seconds of each run")
    args = parser.parse_args(argv)
    for key, value in bench_sweep(args.sweep_stage_s).items():
        print(f"{key:<32}  {value:12.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
