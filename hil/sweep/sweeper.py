"""A whole sweep: check everything (no cluster yet), run it on a Dask client, write table and summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distributed import Client
from rich.console import Console

from hil.sweep.driver import Collected, execute
from hil.sweep.plan import Planned, plan
from hil.sweep.spec import Sweep, load_sweep
from hil.sweep.summary import write_summary
from hil.sweep.table import Row, judge_all, to_arrow, write_table
from hil.sweep.variants import Variant, expand


@dataclass(frozen=True)
class Checked:
    """A sweep whose every variant and stage passed validation: nothing has been submitted."""

    sweep: Sweep
    variants: list[Variant]
    runs: list[Planned]
    out: Path


@dataclass(frozen=True)
class SweepResult:
    rows: list[Row]
    collected: Collected
    files: tuple[Path, ...]    # results.parquet, results.csv, summary.html

    @property
    def errors(self) -> int:
        return sum(r.verdict == "error" for r in self.rows)


def check_sweep(path: Path, out: Path, default_rig: Path) -> Checked:
    """Load the sweep file, expand and validate every variant, load every stage (ConfigError: exit 2)."""
    sweep = load_sweep(path, default_rig)
    variants = expand(sweep)
    return Checked(sweep, variants, plan(sweep, variants, out), out)


def run_checked(checked: Checked, client: Client, console: Console) -> SweepResult:
    out = checked.out
    out.mkdir(parents=True, exist_ok=True)
    collected = execute(client, checked.runs, out, console)
    rows = judge_all(collected.records, checked.sweep.tolerances)
    parameters = checked.sweep.parameters
    parquet, csv = write_table(to_arrow(rows, parameters), out)
    summary = write_summary(rows, parameters, checked.sweep.spec.heatmaps, out, f"Sweep {checked.sweep.path.name}")
    return SweepResult(rows, collected, (parquet, csv, summary))
