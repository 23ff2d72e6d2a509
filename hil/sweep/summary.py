"""OUT/summary.html: variants ranked against the base, and heat-maps when exactly two parameters move.

Ranking: fewest runs in error, then fewest KPI regressions over all stages, then most
improvements (ties keep variant order). Plain HTML with relative links to the PNGs beside it.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, ever: CI and benches have none

import matplotlib.pyplot as plt

from hil.results.compare import fmt
from hil.sweep.table import CSV_FILE, PARQUET_FILE, Row
from hil.sweep.variants import BASE

SUMMARY_FILE = "summary.html"
HEATMAP_DIR = "heatmaps"
_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
.REGRESSION,.error{background:#fdd}.better{background:#dfd}img{max-width:48%;border:1px solid #ccc;margin:.3em}"""


@dataclass(frozen=True)
class Standing:
    variant: str
    params: dict[str, Any]
    errors: int
    regressions: list[str]    # "stage: kpi"
    improvements: int

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.errors, len(self.regressions), -self.improvements)


def ranking(rows: list[Row]) -> list[Standing]:
    by_variant: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.record.variant != BASE:
            by_variant[row.record.variant].append(row)
    standings = [Standing(v, rs[0].record.params, sum(r.verdict == "error" for r in rs),
                          [f"{r.record.stage}: {k}" for r in rs for k in r.regressions],
                          sum(len(r.improvements) for r in rs))
                 for v, rs in sorted(by_variant.items())]
    return sorted(standings, key=lambda s: s.order)  # stable: ties stay in variant order


def write_summary(rows: list[Row], parameters: list[str], heatmap_kpis: list[str], out: Path,
                  title: str) -> Path:
    standings = ranking(rows)
    pngs = write_heatmaps(rows, standings, parameters, heatmap_kpis, out / HEATMAP_DIR) if len(parameters) == 2 else []
    head = "".join(f"<th>{_e(p)}</th>" for p in parameters)
    lines = [f"<p>{len(standings)} variant(s) against the base on {len({r.record.stage for r in rows})} stage(s). "
             f"Table: <a href=\"{CSV_FILE}\">{CSV_FILE}</a>, <a href=\"{PARQUET_FILE}\">{PARQUET_FILE}</a>.</p>",
             "<h2>Ranking</h2>",
             f"<table><tr><th>rank</th><th>variant</th>{head}<th>errors</th><th>regressions</th>"
             "<th>improvements</th><th>regressed KPIs</th></tr>"]
    for i, s in enumerate(standings, start=1):
        kind = "error" if s.errors else "REGRESSION" if s.regressions else "better" if s.improvements else ""
        cells = "".join(f"<td>{_e(_value(s.params.get(p)))}</td>" for p in parameters)
        lines.append(f"<tr class=\"{kind}\"><td>{i}</td><td>{_e(s.variant)}</td>{cells}<td>{s.errors}</td>"
                     f"<td>{len(s.regressions)}</td><td>{s.improvements}</td>"
                     f"<td style=\"text-align:left\">{_e('; '.join(s.regressions))}</td></tr>")
    lines.append("</table>")
    errors = [r.record for r in rows if r.verdict == "error"]
    if errors:
        lines.append("<h2>Errors</h2><ul>" + "".join(f"<li>{_e(r.variant)}/{_e(r.stage)}: {_e(r.error)}</li>"
                                                    for r in errors) + "</ul>")
    if pngs:
        images = (f"<img src=\"{p.relative_to(out).as_posix()}\" alt=\"{_e(p.stem)}\">" for p in pngs)
        lines.append("<h2>Heat-maps</h2>" + "".join(images))
    elif len(parameters) != 2:
        lines.append(f"<p>Heat-maps are drawn for sweeps of two parameters (this one has {len(parameters)}).</p>")
    path = out / SUMMARY_FILE
    path.write_text(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
                    f"<style>{_CSS}</style></head>\n<body><h1>{_e(title)}</h1>\n" + "\n".join(lines)
                    + "\n</body></html>\n", encoding="utf-8")
    return path


def write_heatmaps(rows: list[Row], standings: list[Standing], parameters: list[str], kpis: list[str],
                   folder: Path) -> list[Path]:
    """Regressions per grid cell over all stages, and each requested KPI per stage."""
    x_key, y_key = parameters
    variants = [r for r in rows if r.record.variant != BASE]
    if any(isinstance(r.record.params.get(k), list | dict) for r in variants for k in parameters):
        return []  # a whole map per grid point has no axis to draw
    folder.mkdir(parents=True, exist_ok=True)
    count = {s.variant: float(len(s.regressions)) for s in standings}
    cells = {(s.params[x_key], s.params[y_key]): count[s.variant] for s in standings}
    out = [_heatmap(cells, x_key, y_key, "KPI regressions against the base (all stages)", folder / "regressions.png")]
    for kpi in kpis:
        for stage in sorted({r.record.stage for r in variants}):
            values = {(r.record.params[x_key], r.record.params[y_key]): (r.record.kpis or {}).get(kpi, math.nan)
                      for r in variants if r.record.stage == stage}
            out.append(_heatmap(values, x_key, y_key, f"{kpi} on {stage}", folder / f"{stage}__{kpi}.png"))
    return out


def _heatmap(cells: dict[tuple[Any, Any], float], x_key: str, y_key: str, title: str, png: Path) -> Path:
    xs, ys = sorted({k[0] for k in cells}), sorted({k[1] for k in cells})
    grid = [[cells.get((x, y), math.nan) for x in xs] for y in ys]
    fig, ax = plt.subplots(figsize=(1.2 + 0.8 * len(xs), 1.2 + 0.6 * len(ys)), dpi=100)
    try:
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xs)), [_value(x) for x in xs], rotation=45)
        ax.set_yticks(range(len(ys)), [_value(y) for y in ys])
        ax.set_xlabel(x_key)
        ax.set_ylabel(y_key)
        ax.set_title(title, fontsize=9)
        for j, row in enumerate(grid):
            for i, v in enumerate(row):
                if not math.isnan(v):
                    ax.text(i, j, fmt(v), ha="center", va="center", color="w", fontsize=7)
        fig.colorbar(image, ax=ax)
        fig.tight_layout()
        fig.savefig(png)
    finally:
        plt.close(fig)
    return png


def _value(v: Any) -> str:
    return fmt(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def _e(x: object) -> str:
    return html.escape(str(x))
