"""Self-contained HTML reports: one run (KPIs, events, plot) and a regression (verdicts, overlays).

Plain HTML with relative links to the PNGs beside it: opens from a CI artefact or a file share.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from hil.results.compare import StageComparison, fmt
from hil.results.folder import load_run
from hil.results.plots import plot_run

PLOT_FILE = "plots/run.png"
_NO_PLOTS = "No plot: it needs the [plots] extra (<code>pip install 'd7xr-hil[plots]'</code>)."
REPORT_FILE = "report.html"
_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
.REGRESSION,.MISSING{background:#fdd;font-weight:bold}.better{background:#dfd}img{max-width:100%;border:1px solid #ccc}
.pass{color:#070}.fail{color:#b00;font-weight:bold}"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head>\n<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")


def _e(x: object) -> str:
    return html.escape(str(x))


def write_run_report(run_dir: Path, *, width_px: int = 1600, height_px: int = 1800) -> Path:
    """Plot a results folder and write its `report.html` (KPIs, event counts, verdicts, plot)."""
    run = load_run(run_dir)
    plotted = plot_run(run_dir, run_dir / PLOT_FILE, width_px=width_px, height_px=height_px)
    info, cal = run.info, run.info.get("calibration", {})
    body = [f"<p>stage <b>{_e(run.stage)}</b> · calibration <b>{_e(cal.get('name', '?'))}</b> "
            f"<code>{_e(str(cal.get('sha256', ''))[:16])}</code> · software {_e(info.get('software_version', '?'))}"
            f" · {_e(info.get('simulated_s', '?'))} s simulated</p>"]
    verdicts_path = run_dir / "verdicts.json"
    if verdicts_path.exists():
        rows = "".join(f"<tr><td>{_e(v.get('name'))}</td><td class=\"{'pass' if v.get('passed') else 'fail'}\">"
                       f"{'pass' if v.get('passed') else 'FAIL'}</td><td>{_e(v.get('detail', ''))}</td></tr>"
                       for v in json.loads(verdicts_path.read_text()))
        body.append(f"<h2>Expectations</h2><table><tr><th>expectation</th><th>verdict</th><th>detail</th></tr>"
                    f"{rows}</table>")
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(fmt(v))}</td></tr>" for k, v in sorted(run.kpis.items()))
    body.append(f"<h2>KPIs</h2><table><tr><th>KPI</th><th>value</th></tr>{rows}</table>")
    counts = Counter(str(e.kind) for e in run.events)
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{n}</td></tr>" for k, n in sorted(counts.items()))
    body.append(f"<h2>Events</h2><table><tr><th>kind</th><th>count</th></tr>{rows}</table>"
                f"<p>All events with their fields: <a href=\"events.json\">events.json</a>; signals: "
                f"<code>trace/&lt;MESSAGE&gt;.csv|.parquet</code></p>")
    body.append(f"<h2>Plot</h2><p><a href=\"{PLOT_FILE}\"><img src=\"{PLOT_FILE}\" alt=\"signals over time\"></a></p>"
                if plotted else f"<h2>Plot</h2><p>{_NO_PLOTS}</p>")
    out = run_dir / REPORT_FILE
    out.write_text(_page(f"{run.stage}: {run_dir.name}", "\n".join(body)))
    return out


def write_comparison_report(comparisons: list[StageComparison], out_dir: Path, *,
                            width_px: int = 1600, height_px: int = 1800) -> Path:
    """`out_dir/report.html`: a verdict table per stage and a baseline-vs-candidate overlay plot."""
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = [c.stage for c in comparisons if c.failed]
    body = [f"<p class=\"{'fail' if failed else 'pass'}\">"
            + (f"REGRESSION in {len(failed)} of {len(comparisons)} stage(s): {_e(', '.join(failed))}"
               if failed else f"no regression in {len(comparisons)} stage(s)") + "</p>",
            "<p>JUnit XML: <a href=\"junit.xml\">junit.xml</a></p>"]
    for comp in comparisons:
        body.append(f"<h2>{_e(comp.stage)}</h2>")
        if comp.candidate is None or comp.baseline is None:
            body.append("<p class=\"fail\">stage missing from the candidate</p>")
            continue
        png = f"plots/{comp.stage}.png"
        plotted = plot_run(comp.candidate.path, out_dir / png, baseline_dir=comp.baseline.path,
                           width_px=width_px, height_px=height_px)
        rows = "".join(
            f"<tr class=\"{v.status}\"><td>{_e(v.kpi)}</td><td>{_e(fmt(v.baseline))}</td><td>{_e(fmt(v.candidate))}"
            f"</td><td>{_e(fmt(v.delta))}</td><td>{_e(v.tolerance.describe())}</td><td>{_e(v.status)}</td></tr>"
            for v in comp.verdicts)
        body.append("<table><tr><th>KPI</th><th>baseline</th><th>candidate</th><th>delta</th><th>tolerance</th>"
                    f"<th>verdict</th></tr>{rows}</table>"
                    + (f"<p><a href=\"{png}\"><img src=\"{png}\" alt=\"baseline vs candidate\"></a></p>"
                       if plotted else f"<p>{_NO_PLOTS}</p>"))
    out = out_dir / REPORT_FILE
    out.write_text(_page("Regression: baseline vs candidate", "\n".join(body)))
    return out
