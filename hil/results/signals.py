"""The decoded signal trace of a run, one table per DBC message, as CSV and as Parquet.

`trace/<MESSAGE>.csv` and `trace/<MESSAGE>.parquet`: one row per good frame with `t_ns`,
`sent_here` and every signal of the message (enums as their raw DBC value). Written as the
run goes, in row groups, so a 30-minute stage never sits in memory. Crash-consistent: CSV rows
reach the disk whole (at least every second of bus time); the Parquet file is built as
`.parquet.partial` and renamed when complete, so a killed run leaves readable CSVs and no
half-written Parquet. A full or read-only disk is one ResultsError.
"""

from __future__ import annotations

import contextlib
import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hil.bus.codec import MessageSpec, Signals
from hil.bus.recorder import LineFile
from hil.errors import ResultsError

TRACE_DIR = "trace"
PARTIAL = ".partial"  # a Parquet file still being written (what a killed run leaves)
_FLUSH_ROWS = 20_000  # one Parquet row group
_CSV_EVERY_NS = 1_000_000_000  # CSV rows reach the disk at least this often (bus time)


@dataclass
class _Table:
    spec: MessageSpec
    csv_file: LineFile
    csv_writer: Any
    parquet: pq.ParquetWriter
    schema: pa.Schema
    rows: list[tuple[int, bool, Signals]] = field(default_factory=list)

    @property
    def parquet_path(self) -> Path:
        return self.csv_file.path.with_suffix(".parquet")


class SignalTraceWriter:
    """Session observer writing every decoded frame to its message's CSV and Parquet table."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir / TRACE_DIR
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsError(f"{self.dir}: cannot write: {exc.strerror or exc}") from None
        self._tables: dict[str, _Table] = {}
        self.frames = 0
        self._csv_due_ns = _CSV_EVERY_NS

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        table = self._tables.get(spec.name)
        if table is None:
            table = self._open(spec)
        table.rows.append((t_ns, sent_here, sig))
        table.csv_writer.writerow([t_ns, int(sent_here), *(sig.get(n, "") for n in spec.signals)])
        self.frames += 1
        if len(table.rows) >= _FLUSH_ROWS:
            self._flush(table)
        if t_ns >= self._csv_due_ns:  # a slow message's rows must not wait for a full buffer
            self._csv_due_ns = t_ns + _CSV_EVERY_NS
            for t in self._tables.values():
                t.csv_file.flush()

    def _open(self, spec: MessageSpec) -> _Table:
        try:
            fh = LineFile(self.dir / f"{spec.name}.csv")
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["t_ns", "sent_here", *spec.signals])
            schema = pa.schema([("t_ns", pa.int64()), ("sent_here", pa.bool_()),
                                *[(s, pa.float64()) for s in spec.signals]])
            pw = pq.ParquetWriter(str(self.dir / f"{spec.name}.parquet{PARTIAL}"), schema, compression="zstd")
        except OSError as exc:
            raise ResultsError(f"{self.dir / spec.name}: cannot write: {exc.strerror or exc}") from None
        table = _Table(spec, fh, writer, pw, schema)
        self._tables[spec.name] = table
        return table

    def _flush(self, table: _Table) -> None:
        """One Parquet row group of the rows kept since the last (their CSV rows are written already)."""
        rows, names = table.rows, table.spec.signals
        if not rows:
            return
        table.rows = []
        columns: list[pa.Array] = [
            pa.array([r[0] for r in rows], pa.int64()),
            pa.array([r[1] for r in rows], pa.bool_()),
            *[pa.array([r[2].get(n) for r in rows], pa.float64()) for n in names],
        ]
        try:
            table.parquet.write_table(pa.Table.from_arrays(columns, schema=table.schema))
        except OSError as exc:
            raise ResultsError(f"{table.parquet_path}: cannot write: {exc.strerror or exc}") from None

    def close(self) -> None:
        """Flush and close every table, also on error paths; the first failure is raised after all are closed."""
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
        partial = self.dir / f"{table.spec.name}.parquet{PARTIAL}"
        try:
            with contextlib.closing(table.csv_file):  # the CSV keeps its whole rows whatever the Parquet does
                try:
                    self._flush(table)
                finally:
                    table.parquet.close()
        except OSError as exc:  # ResultsError included: no half-written Parquet is left behind
            partial.unlink(missing_ok=True)
            if isinstance(exc, ResultsError):
                raise
            raise ResultsError(f"{table.parquet_path}: cannot write: {exc.strerror or exc}") from None
        os.replace(partial, table.parquet_path)  # a reader sees a whole file or none


def read_signal(run_dir: Path, message: str, signal: str) -> tuple[list[int], list[float]]:
    """One signal of a results folder as (t_ns, values); empty when the message never appeared.

    Parquet when the run completed it, else the CSV (a killed run leaves its complete rows there)."""
    path = run_dir / TRACE_DIR / f"{message}.parquet"
    if path.exists():
        table = pq.read_table(str(path), columns=["t_ns", signal])
        return table.column("t_ns").to_pylist(), table.column(signal).to_pylist()
    csv_path = path.with_suffix(".csv")
    if not csv_path.exists():
        return [], []
    with csv_path.open(newline="") as fh:
        rows = [(int(r["t_ns"]), float(r[signal])) for r in csv.DictReader(fh) if r.get(signal)]
    return [t for t, _ in rows], [v for _, v in rows]
