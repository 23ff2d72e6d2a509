"""Machine-readable summaries: one JSON document for `--json`, Markdown for CI step pages (`--markdown FILE`).

The JSON is what a script needs to act on a result without parsing text; the Markdown is what a
human reads on a CI job's summary page (GitHub's $GITHUB_STEP_SUMMARY, GitLab's job report, ...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hil.results.compare import StageComparison, fmt
from hil.stage.verdicts import Verdict


def comparison_json(comparisons: list[StageComparison], tolerances: str) -> dict[str, Any]:
    return {
        "regression": any(c.failed for c in comparisons),
        "tolerances": tolerances,
        "stages": [{
            "stage": c.stage, "failed": c.failed, "candidate_missing": c.candidate is None,
            "kpis": [{"kpi": v.kpi, "baseline": v.baseline, "candidate": v.candidate, "delta": v.delta,
                      "tolerance": v.tolerance.describe(), "status": str(v.status)} for v in c.verdicts],
        } for c in comparisons],
    }


def comparison_markdown(comparisons: list[StageComparison]) -> str:
    failed = [c for c in comparisons if c.failed]
    head = (f"### hil compare: REGRESSION in {len(failed)} of {len(comparisons)} stage(s)" if failed
            else f"### hil compare: no regression in {len(comparisons)} stage(s)")
    lines = [head, ""]
    for c in comparisons:
        shown = [v for v in c.verdicts if str(v.status) != "ok"]
        lines.append(f"**{c.stage}**: " + ("candidate missing" if c.candidate is None else
                                            f"{len(c.regressions)} regression(s), {len(c.verdicts)} KPIs"))
        if shown:
            lines += ["", "| KPI | baseline | candidate | delta | tolerance | verdict |",
                      "|---|---:|---:|---:|---|---|"]
            lines += [f"| `{v.kpi}` | {fmt(v.baseline)} | {fmt(v.candidate)} | {fmt(v.delta)} | "
                      f"{v.tolerance.describe()} | {v.status} |" for v in shown]
        lines.append("")
    return "\n".join(lines) + "\n"


def run_json(info: dict[str, Any], kpis: dict[str, float], verdicts: list[Verdict], folder: Path,
             exit_code: int) -> dict[str, Any]:
    judged = bool(info.get("judged", False))
    return {
        "exit_code": exit_code, "results": str(folder), "rig": info.get("rig"), "stage": info.get("stage"),
        "calibration": info.get("calibration"), "simulated_s": info.get("simulated_s"),
        "interrupted": info.get("interrupted"), "reason": info.get("reason"), "judged": judged,
        "passed": judged and all(v.passed for v in verdicts) if verdicts else None,
        "verdicts": [v.to_json() for v in verdicts], "kpis": kpis, "bus_health": info.get("bus_health"),
    }


def run_markdown(summary: dict[str, Any]) -> str:
    passed = summary["passed"]
    state = ("not judged (" + str(summary.get("reason")) + ")" if not summary["judged"]
             else "no expectations" if passed is None else "PASS" if passed else "FAIL")
    cal = summary.get("calibration") or {}
    lines = [f"### hil run {summary['stage']}: {state}", "",
             f"rig `{summary['rig']}`, calibration `{cal.get('name', '?')}` ({str(cal.get('sha256', ''))[:12]}), "
             f"{summary['simulated_s']} s simulated; results `{summary['results']}`", ""]
    if summary["verdicts"]:
        lines += ["| expectation | verdict | detail |", "|---|---|---|"]
        lines += [f"| {v['name']} | {'pass' if v['passed'] else '**FAIL**'} | {v['detail']} |"
                  for v in summary["verdicts"]]
    return "\n".join(lines) + "\n"


def print_json(document: dict[str, Any]) -> None:
    print(json.dumps(document, indent=2, sort_keys=True, allow_nan=False, default=str))


def append_markdown(path: Path, text: str) -> None:
    """Append (a CI step page collects several), creating the file if needed."""
    with path.open("a") as fh:
        fh.write(text + "\n")
