"""A long run's Parquet tables go on in parts (`<MESSAGE>.part2.parquet`, ...): memory stays flat,
every row is kept once and in order, and readers see one table."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hil.bus.codec import Codec
from hil.results import signals
from hil.results.signals import SignalTraceWriter, parquet_parts, read_signal
from tests.support import ROOT

ROWS = 523  # 5 parts of 2 groups of 50 rows, and a short last group


@pytest.fixture
def trace_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(signals, "_FLUSH_ROWS", 50)
    monkeypatch.setattr(signals, "PART_ROW_GROUPS", 2)
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    (spec,) = [s for s in codec.by_id.values() if s.name == "ECM_Engine"]
    writer = SignalTraceWriter(tmp_path)
    for i in range(ROWS):
        writer(i * 10_000_000, spec, {name: float(i % 200) for name in spec.signals}, i % 3 == 0)
    writer.close()
    return tmp_path


def test_parts_hold_every_row_once_in_order_and_no_partial_file_is_left(trace_dir: Path) -> None:
    parts = parquet_parts(trace_dir / "trace", "ECM_Engine")
    assert [p.name for p in parts] == ["ECM_Engine.parquet", *(f"ECM_Engine.part{k}.parquet" for k in range(2, 7))]
    assert all(pq.ParquetFile(p).metadata.num_row_groups <= 2 for p in parts)
    table = pa.concat_tables(pq.read_table(p) for p in parts)
    with (trace_dir / "trace" / "ECM_Engine.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert table.column("t_ns").cast(pa.int64()).to_pylist() == [int(r["t_ns"]) for r in rows]
    assert len(rows) == ROWS
    assert not list((trace_dir / "trace").glob("*.partial"))


@pytest.mark.parametrize("max_points", [None, 7, 100])
def test_read_signal_reads_the_parts_as_one_table(trace_dir: Path, tmp_path: Path, max_points: int | None) -> None:
    csv_only = tmp_path / "csv"
    (csv_only / "trace").mkdir(parents=True)
    for name in ("ECM_Engine.csv", "schema.json"):
        (csv_only / "trace" / name).write_bytes((trace_dir / "trace" / name).read_bytes())
    got = read_signal(trace_dir, "ECM_Engine", "EngineSpeed", max_points=max_points)
    assert got == read_signal(csv_only, "ECM_Engine", "EngineSpeed", max_points=max_points)
    assert len(got[0]) == (ROWS if max_points is None else len(range(0, ROWS, ROWS // max_points)))


def test_a_slow_message_closes_its_row_group_after_the_longest_a_group_may_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 1 Hz table would hold 20,000 rows (5.5 h) in memory: its group closes after _GROUP_MAX_NS."""
    monkeypatch.setattr(signals, "_GROUP_MAX_NS", 5_000_000_000)
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    (spec,) = [s for s in codec.by_id.values() if s.name == "ECM_Engine"]
    writer = SignalTraceWriter(tmp_path)
    for i in range(31):  # one frame a second
        writer(i * 1_000_000_000, spec, {name: float(i) for name in spec.signals}, False)
    writer.close()
    meta = pq.ParquetFile(tmp_path / "trace" / "ECM_Engine.parquet").metadata
    assert meta.num_rows == 31
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [6, 6, 6, 6, 6, 1]
