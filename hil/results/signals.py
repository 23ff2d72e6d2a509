"""The decoded signal trace of a run, one table per DBC message, as CSV and as Parquet.

`trace/<MESSAGE>.csv` and `trace/<MESSAGE>.parquet`: one row per good frame with `t_ns`,
`sent_here` and every signal of the message (enums as their raw DBC value). Written as the
run goes, in row groups, so a 30-minute stage never sits in memory.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from hil.bus.codec import MessageSpec, Signals

TRACE_DIR = "trace"
_FLUSH_ROWS = 20_000


@dataclass
class _Table:
    spec: MessageSpec
    csv_file: IO[str]
    csv_writer: Any
    parquet: pq.ParquetWriter
    schema: pa.Schema
    rows: list[tuple[int, bool, Signals]] = field(default_factory=list)


class SignalTraceWriter:
    """Session observer writing every decoded frame to its message's CSV and Parquet table."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir / TRACE_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self._tables: dict[str, _Table] = {}
        self.frames = 0

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        table = self._tables.get(spec.name)
        if table is None:
            table = self._open(spec)
        table.rows.append((t_ns, sent_here, sig))
        self.frames += 1
        if len(table.rows) >= _FLUSH_ROWS:
            self._flush(table)

    def _open(self, spec: MessageSpec) -> _Table:
        fh = (self.dir / f"{spec.name}.csv").open("w", newline="")
        writer = csv.writer(fh)
        writer.writerow(["t_ns", "sent_here", *spec.signals])
        schema = pa.schema([("t_ns", pa.int64()), ("sent_here", pa.bool_()),
                            *[(s, pa.float64()) for s in spec.signals]])
        pw = pq.ParquetWriter(str(self.dir / f"{spec.name}.parquet"), schema, compression="zstd")
        table = _Table(spec, fh, writer, pw, schema)
        self._tables[spec.name] = table
        return table

    def _flush(self, table: _Table) -> None:
        rows, names = table.rows, table.spec.signals
        if not rows:
            return
        table.csv_writer.writerows([t, int(here), *(sig.get(n, "") for n in names)] for t, here, sig in rows)
        columns: list[pa.Array] = [
            pa.array([r[0] for r in rows], pa.int64()),
            pa.array([r[1] for r in rows], pa.bool_()),
            *[pa.array([r[2].get(n) for r in rows], pa.float64()) for n in names],
        ]
        table.parquet.write_table(pa.Table.from_arrays(columns, schema=table.schema))
        table.rows = []

    def close(self) -> None:
        """Flush and close every table (call once, also on error paths)."""
        for table in self._tables.values():
            try:
                self._flush(table)
            finally:
                table.csv_file.close()
                table.parquet.close()
        self._tables.clear()


def read_signal(run_dir: Path, message: str, signal: str) -> tuple[list[int], list[float]]:
    """One signal of a results folder as (t_ns, values); empty when the message never appeared."""
    path = run_dir / TRACE_DIR / f"{message}.parquet"
    if not path.exists():
        return [], []
    table = pq.read_table(str(path), columns=["t_ns", signal])
    return table.column("t_ns").to_pylist(), table.column(signal).to_pylist()
