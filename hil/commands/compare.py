"""`hil compare BASELINE CANDIDATE`: every KPI of two results folders, with tolerance and verdict."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hil import logs
from hil.results import summaries
from hil.results.compare import StageComparison, Status, compare_folders, fmt, junit_suites, load_tolerances
from hil.results.junit import write_junit
from hil.results.report import write_comparison_report

_STYLE = {Status.REGRESSION: "bold red", Status.MISSING: "bold red", Status.BETTER: "green", Status.NEW: "cyan"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("compare", help="compare the KPIs of two results folders (exit 1 on a regression)",
                       description="Compare every KPI of CANDIDATE against BASELINE (two results folders of "
                                   "`hil run`, or two suite folders of `hil regress`). Exit 0: no regression, "
                                   "1: a regression, 2: bad input.")
    p.add_argument("baseline", type=Path, help="baseline results folder")
    p.add_argument("candidate", type=Path, help="candidate results folder")
    p.add_argument("--tolerances", type=Path, help="tolerance file (default: stages/tolerances.toml)")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="also write report.html, overlay plots and junit.xml into DIR")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout instead of the tables")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="append a Markdown summary (CI step page)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    tols = load_tolerances(args.tolerances)
    comparisons = compare_folders(args.baseline, args.candidate, tols)
    if args.markdown:
        summaries.append_markdown(args.markdown, summaries.comparison_markdown(comparisons))
    if not args.json:
        return finish(comparisons, args.report, tols.path)
    if args.report is not None:
        write_junit(args.report / "junit.xml", junit_suites(comparisons), "hil regress")
        write_comparison_report(comparisons, args.report)
    summaries.print_json(summaries.comparison_json(comparisons, tols.path))
    return 1 if any(c.failed for c in comparisons) else 0


def finish(comparisons: list[StageComparison], report: Path | None, tol_path: str,
           console: Console | None = None) -> int:
    """Print the tables, write the report if asked; the exit code (0 ok, 1 regression)."""
    console = console or Console(width=160, quiet=logs.quiet())
    for comp in comparisons:
        print_table(comp, console)
    failed = [c for c in comparisons if c.failed]
    if report is not None:
        write_junit(report / "junit.xml", junit_suites(comparisons), "hil regress")
        page = write_comparison_report(comparisons, report)
        console.print(f"report: {page}")
    console.print(f"tolerances: {tol_path}")
    if failed:
        n = sum(len(c.regressions) + (c.candidate is None) for c in failed)
        console.print(f"[bold red]REGRESSION[/]: {n} KPI(s) in {len(failed)} of {len(comparisons)} stage(s)")
        return 1
    console.print(f"[green]no regression[/] in {len(comparisons)} stage(s)")
    return 0


def print_table(comp: StageComparison, console: Console) -> None:
    table = Table(title=f"{comp.stage}", title_justify="left")
    for col, just in (("KPI", "left"), ("baseline", "right"), ("candidate", "right"), ("delta", "right"),
                      ("tolerance", "left"), ("verdict", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    if comp.candidate is None:
        table.add_row("(stage)", "present", "missing", "", "", "[bold red]MISSING[/]")
    for v in comp.verdicts:
        style = _STYLE.get(v.status, "")
        table.add_row(v.kpi, fmt(v.baseline), fmt(v.candidate), fmt(v.delta), v.tolerance.describe(),
                      f"[{style}]{v.status}[/]" if style else str(v.status))
    console.print(table)

