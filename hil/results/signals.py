"""The decoded signal trace of a run, one table per DBC message, as CSV and (the [parquet] extra) Parquet.

`trace/<MESSAGE>.csv` and `trace/<MESSAGE>.parquet`: one row per good frame with `t_ns`,
`sent_here` and every signal of the message, typed from the DBC (hil.results.trace_schema: integers,
booleans, enums by their DBC names); `trace/schema.json` holds units and value tables. Written as
the run goes, in row groups, so a 30-minute stage never sits in memory. A Parquet file keeps the
description of every row group it holds in memory until it closes (~8 KB each), so a table goes on
in `<MESSAGE>.part2.parquet`, `.part3` ... after PART_ROW_GROUPS groups (an hour of a 100 Hz
message), and a slow message's row group closes after an hour of bus time: a 24-hour run stays
flat in memory, and a run under an hour writes what it always did. Crash-consistent: CSV rows
reach the disk whole (at least every second of bus time); a Parquet file is built as
`.parquet.partial` and renamed when complete, so a killed run leaves readable CSVs and no
half-written Parquet. A full or read-only disk is one ResultsError.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil import extras
from hil.bus.codec import MessageSpec, Signals
from hil.bus.recorder import LineFile
from hil.errors import ResultsError
from hil.results import trace_schema as ts
from hil.results.trace_rows import RowFn, row_function

TRACE_DIR = "trace"
SCHEMA_FILE = "schema.json"
PARTIAL = ".partial"  # a file still being written (what a killed run leaves of a Parquet table)
_FLUSH_ROWS = 20_000  # one Parquet row group
PART_ROW_GROUPS = 18  # row groups per Parquet file (18 x 20,000 rows: an hour at 100 Hz)
_GROUP_MAX_NS = 3_600_000_000_000  # a slow message's row group closes after an hour of bus time at most
_CSV_EVERY_NS = 1_000_000_000  # CSV rows reach the disk at least this often (bus time)


@dataclass
class _Table:
    spec: MessageSpec
    csv_file: LineFile
    csv_writer: Any
    columns: tuple[ts.Column, ...]
    parquet: Any  # pyarrow.parquet.ParquetWriter, None without the [parquet] extra
    schema: Any
    group: ts.RowGroup = field(init=False)  # the next Parquet row group
    row: RowFn = field(init=False)  # a frame's cells and CSV fields
    part: int = 1  # the Parquet file being written (1: <MESSAGE>.parquet)
    groups_in_part: int = 0

    def __post_init__(self) -> None:
        self.group = ts.RowGroup()
        self.row = row_function(self.columns)

    @property
    def parquet_path(self) -> Path:
        return parquet_part(self.csv_file.path.parent, self.spec.name, self.part)


def parquet_part(trace: Path, message: str, part: int) -> Path:
    """`<MESSAGE>.parquet`, then `<MESSAGE>.part2.parquet`, ... (the rows in order)."""
    return trace / (f"{message}.parquet" if part == 1 else f"{message}.part{part}.parquet")


def parquet_parts(trace: Path, message: str) -> list[Path]:
    """Every finished Parquet file of one table, in row order."""
    parts: list[Path] = []
    while (path := parquet_part(trace, message, len(parts) + 1)).exists():
        parts.append(path)
    return parts


def _partial(path: Path) -> Path:
    return path.with_name(path.name + PARTIAL)


def _parquet_writer(path: Path, schema: Any) -> Any:
    import pyarrow.parquet as pq  # noqa: PLC0415 - optional dependency, loaded with the first table

    return pq.ParquetWriter(str(_partial(path)), schema, compression="zstd")


def _unwritable(path: Path, exc: OSError) -> ResultsError:
    return ResultsError(f"{path}: cannot write: {exc.strerror or exc}")


class SignalTraceWriter:
    """Session observer writing every decoded frame to its message's CSV and Parquet table."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir / TRACE_DIR
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.dir, exc) from None
        self._tables: dict[str, _Table] = {}
        self.frames = 0
        self._csv_due_ns = _CSV_EVERY_NS

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        table = self._tables.get(spec.name)
        if table is None:
            table = self._open(spec)
        row, texts = table.row(sig)
        table.csv_writer.writerow([str(t_ns), "true" if sent_here else "false", *texts])
        self.frames += 1
        if table.parquet is not None:
            table.group.add(t_ns, sent_here, row)
            if len(table.group) >= _FLUSH_ROWS:
                self._flush(table)
        if t_ns >= self._csv_due_ns:  # a slow message's rows must not wait for a full buffer
            self._csv_due_ns = t_ns + _CSV_EVERY_NS
            for t in self._tables.values():
                t.csv_file.flush()
                # nor hold its Parquet rows for hours (a 1 Hz table fills a group in 5.5 h)
                if t.group.t_ns and t_ns - t.group.t_ns[0] >= _GROUP_MAX_NS:
                    self._flush(t)

    def _open(self, spec: MessageSpec) -> _Table:
        cols = ts.columns(spec)
        try:
            fh = LineFile(self.dir / f"{spec.name}.csv")
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["t_ns", "sent_here", *spec.signals])
            fh.flush()  # the header reaches the disk now: a CSV that exists is never empty
            parquet, schema = None, None
            if extras.available("parquet"):
                schema = ts.arrow_schema(cols)
                parquet = _parquet_writer(parquet_part(self.dir, spec.name, 1), schema)
            else:
                extras.skipped("parquet", "Parquet traces")
        except OSError as exc:
            raise _unwritable(self.dir / spec.name, exc) from None
        table = _Table(spec, fh, writer, cols, parquet, schema)
        self._tables[spec.name] = table
        self._write_schema()
        return table

    def _write_schema(self) -> None:
        """trace/schema.json: types, units and value tables of every message seen so far."""
        described = {name: ts.describe(t.columns) for name, t in sorted(self._tables.items())}
        part = self.dir / f"{SCHEMA_FILE}{PARTIAL}"
        try:
            part.write_text(json.dumps(described, indent=1, sort_keys=True) + "\n")
            os.replace(part, self.dir / SCHEMA_FILE)
        except OSError as exc:
            raise _unwritable(self.dir / SCHEMA_FILE, exc) from None

    def _flush(self, table: _Table) -> None:
        """One Parquet row group of the rows kept since the last (their CSV rows are written already)."""
        group = table.group
        if not len(group) or table.parquet is None:
            return
        table.group = ts.RowGroup()
        try:
            if table.groups_in_part >= PART_ROW_GROUPS:  # only when a group is there to start the next
                self._finish_parquet(table)
                table.part += 1
                table.groups_in_part = 0
                table.parquet = _parquet_writer(table.parquet_path, table.schema)
            table.parquet.write_table(ts.arrow_batch(group, table.columns, table.schema))
            table.groups_in_part += 1
        except OSError as exc:
            raise _unwritable(table.parquet_path, exc) from None

    @staticmethod
    def _finish_parquet(table: _Table) -> None:
        table.parquet.close()
        os.replace(_partial(table.parquet_path), table.parquet_path)  # a reader sees a whole file or none

    def close(self) -> None:
        """Flush and close every table, also on error paths; the first failure is raised once all are closed."""
        failure: ResultsError | None = None
        for table in self._tables.values():
            try:
                self._finish(table)
            except ResultsError as exc:
                failure = failure or exc
        self._tables.clear()
        if failure is not None:
            raise failure

    def _finish(self, table: _Table) -> None:
        try:
            with contextlib.closing(table.csv_file):  # the CSV keeps its whole rows whatever the Parquet does
                try:
                    self._flush(table)
                finally:
                    if table.parquet is not None:
                        table.parquet.close()
        except OSError as exc:  # ResultsError included: no half-written Parquet is left behind
            _partial(table.parquet_path).unlink(missing_ok=True)
            if isinstance(exc, ResultsError):
                raise
            raise _unwritable(table.parquet_path, exc) from None
        if table.parquet is not None:
            os.replace(_partial(table.parquet_path), table.parquet_path)  # a reader sees a whole file or none


def read_signal(run_dir: Path, message: str, signal: str, *, max_points: int | None = None,
                ) -> tuple[list[int], list[float | None]]:
    """One signal of a results folder as (t_ns, decoded numbers; enums as their raw value).

    From the Parquet table when there is one and pyarrow is installed, else from the CSV; empty when
    the message never appeared. With `max_points`, every n-th row only (n = rows // max_points, at
    least 1), picked before the values become Python objects: a 30-minute trace stays small.
    """
    trace = run_dir / TRACE_DIR
    described = json.loads((trace / SCHEMA_FILE).read_text()) if (trace / SCHEMA_FILE).exists() else {}
    column = ts.from_description(described.get(message, {})).get(signal) or ts.Column(
        signal, ts.Kind.FLOAT, "", {}, 0.0, 0.0)  # a folder written before typed traces: plain numbers
    parts = parquet_parts(trace, message)
    if parts and extras.available("parquet"):
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.parquet as pq  # noqa: PLC0415

        # batch by batch, keeping only the picked rows: reading a whole table at once costs pyarrow
        # tens of MB of buffers for a 30-minute stage
        sources = [pq.ParquetFile(str(part), memory_map=True) for part in parts]
        stride = _stride(sum(source.metadata.num_rows for source in sources), max_points)
        times: list[int] = []
        values: list[float | None] = []
        first = 0  # index of the batch's first row in the table
        batches = (whole for source in sources
                   for whole in source.iter_batches(columns=["t_ns", signal], batch_size=16_384, use_threads=False))
        for whole in batches:
            rows = whole.num_rows
            # the table's rows 0, stride, 2 x stride, ... that fall in this batch
            batch = whole.take(pa.array(range(-first % stride, rows, stride), pa.int64())) if stride > 1 else whole
            first += rows
            times += batch.column("t_ns").cast(pa.int64()).to_pylist()
            values += [column.number(v) for v in batch.column(signal).to_pylist()]
        return times, values
    if not (trace / f"{message}.csv").exists():
        return [], []
    with (trace / f"{message}.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows = rows[::_stride(len(rows), max_points)]
    return [int(r["t_ns"]) for r in rows], [column.number(r[signal]) for r in rows]


def _stride(rows: int, max_points: int | None) -> int:
    return max(1, rows // max_points) if max_points else 1
