"""The sweep table: verdicts against the base with the shipped tolerances, columns, CSV without lists."""

from __future__ import annotations

from pathlib import Path

from hil.results.compare import load_tolerances
from hil.sweep.plan import Record
from hil.sweep.summary import ranking
from hil.sweep.table import judge_all, to_arrow, write_table
from tests.sweep.helpers import STAGES

TOLS = load_tolerances(STAGES / "tolerances.toml")
KEY = "tcu.shift.power_on_up.inertia_bar"


def record(variant: str, stage: str, kpis: dict[str, float] | None, value: object = 7.0) -> Record:
    error = None if kpis is not None else "DbcError: broken"
    return Record(variant, stage, f"sha-{variant}", "inputs", {KEY: value}, kpis, error,
                  None if kpis is None else f"runs/{variant}/{stage}/can.log", 1.0, "host:1")


def test_verdicts_follow_the_tolerances_against_the_base_of_the_same_stage() -> None:
    base = {"shift_time_ms.POWER_ON_UP.median": 170.0, "distance_m": 100.0}
    rows = judge_all([
        record("v002", "s", {"shift_time_ms.POWER_ON_UP.median": 210.0, "distance_m": 100.0}),  # slower shifts
        record("base", "s", base),
        record("v001", "s", {"shift_time_ms.POWER_ON_UP.median": 150.0, "distance_m": 100.5}),  # faster
        record("v003", "s", {"shift_time_ms.POWER_ON_UP.median": 171.0, "distance_m": 100.0}),  # within 5 %
        record("v004", "s", None),
    ], TOLS)
    assert [(r.record.variant, r.verdict) for r in rows] == [
        ("base", "base"), ("v001", "better"), ("v002", "REGRESSION"), ("v003", "ok"), ("v004", "error")]
    assert rows[2].regressions == ("shift_time_ms.POWER_ON_UP.median",)
    assert rows[1].improvements == ("shift_time_ms.POWER_ON_UP.median",)
    assert [s.variant for s in ranking(rows)] == ["v001", "v003", "v002", "v004"]


def test_without_a_base_run_a_variant_has_no_baseline_rather_than_a_verdict() -> None:
    rows = judge_all([record("base", "s", None), record("v001", "s", {"distance_m": 1.0})], TOLS)
    assert [r.verdict for r in rows] == ["error", "no_baseline"]


def test_one_column_per_parameter_and_kpi_and_list_values_as_json_in_csv(tmp_path: Path) -> None:
    rows = judge_all([record("base", "s", {"a.kpi": 1.0}, [1.0, 2.0]), record("v001", "s", {"b.kpi": 2.0}, [1.0, 3.0])],
                     TOLS)
    table = to_arrow(rows, [KEY])
    assert table.column_names[7:] == [KEY, "a.kpi", "b.kpi", "log", "error"]
    assert table.column("a.kpi").to_pylist() == [1.0, None]
    _, csv = write_table(table, tmp_path)
    assert '"[1.0, 3.0]"' in csv.read_text()
