"""The sweep's one table: a row per (variant, stage), sorted, as Parquet and CSV.

Each variant is judged against the base calibration on the same stage with `hil compare`'s
tolerance rules. Only what a run determines goes in (no wall times, no worker names), so the
table is byte-identical whatever the cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from hil.results.compare import Status, Tolerances, judge
from hil.sweep.plan import Record
from hil.sweep.variants import BASE

PARQUET_FILE = "results.parquet"
CSV_FILE = "results.csv"
HEAD = ("variant", "stage", "status", "verdict", "regressions", "improvements", "calibration_sha256")


@dataclass(frozen=True)
class Row:
    record: Record
    verdict: str                  # base | ok | better | REGRESSION | error | no_baseline
    regressions: tuple[str, ...]  # KPI names that regressed (or went missing) against the base
    improvements: tuple[str, ...]


def judge_all(records: list[Record], tols: Tolerances) -> list[Row]:
    """Every record's verdict against the base run of its stage, sorted by (variant, stage)."""
    bases = {r.stage: r for r in records if r.variant == BASE}
    rows = []
    for r in sorted(records, key=lambda r: (r.variant, r.stage)):
        base = bases.get(r.stage)
        if r.kpis is None:
            rows.append(Row(r, "error", (), ()))
        elif r.variant == BASE:
            rows.append(Row(r, "base", (), ()))
        elif base is None or base.kpis is None:
            rows.append(Row(r, "no_baseline", (), ()))
        else:
            names = sorted(set(base.kpis) | set(r.kpis))
            verdicts = [judge(n, base.kpis.get(n), r.kpis.get(n), tols.for_kpi(n)) for n in names]
            worse = tuple(v.kpi for v in verdicts if v.regression)
            better = tuple(v.kpi for v in verdicts if v.status is Status.BETTER)
            rows.append(Row(r, "REGRESSION" if worse else "better" if better else "ok", worse, better))
    return rows


def to_arrow(rows: list[Row], parameters: list[str]) -> pa.Table:
    kpi_names = sorted({k for row in rows for k in (row.record.kpis or {})})
    clash = set(kpi_names) & set(parameters)
    if clash:  # never seen: KPI names and calibration keys live in different name spaces
        raise ValueError(f"parameter and KPI share a column name: {sorted(clash)}")
    columns: dict[str, list[Any]] = {name: [] for name in (*HEAD, *parameters, *kpi_names, "log", "error")}
    for row in rows:
        r = row.record
        head: tuple[Any, ...] = (r.variant, r.stage, "ok" if r.ok else "error", row.verdict, ",".join(row.regressions),
                ",".join(row.improvements), r.calibration_sha256)
        for name, value in zip(HEAD, head, strict=True):
            columns[name].append(value)
        for key in parameters:
            value = r.params.get(key)
            columns[key].append(json.dumps(value) if isinstance(value, list | dict) else value)  # CSV has no lists
        for name in kpi_names:
            columns[name].append(None if r.kpis is None else r.kpis.get(name))
        columns["log"].append(r.log)
        columns["error"].append(r.error)
    arrays = {name: pa.array(values, type=pa.float64() if name in kpi_names else None)
              for name, values in columns.items()}
    return pa.table(arrays)


def write_table(table: pa.Table, out: Path) -> tuple[Path, Path]:
    parquet, csv = out / PARQUET_FILE, out / CSV_FILE
    pq.write_table(table, parquet)
    pa_csv.write_csv(table, csv)
    return parquet, csv
