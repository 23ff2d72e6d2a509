"""The decoded signal trace of a run, one table per DBC message, as CSV and (the [parquet] extra) Parquet.

`trace/<MESSAGE>.csv` and `trace/<MESSAGE>.parquet`: one row per good frame with `t_ns`,
`sent_here` and every signal of the message, typed from the DBC (hil.results.trace_schema: integers,
booleans, enums by their DBC names); `trace/schema.json` holds units and value tables. Written as
the run goes, in row groups, so a 30-minute stage never sits in memory.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hil import extras
from hil.bus.codec import MessageSpec, Signals
from hil.results import trace_schema as ts

TRACE_DIR = "trace"
SCHEMA_FILE = "schema.json"
_FLUSH_ROWS = 20_000


@dataclass
class _Table:
    spec: MessageSpec
    csv_file: IO[str]
    csv_writer: Any
    columns: tuple[ts.Column, ...]
    parquet: Any  # pyarrow.parquet.ParquetWriter, None without the [parquet] extra
    schema: Any
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
        cols = ts.columns(spec)
        fh = (self.dir / f"{spec.name}.csv").open("w", newline="")
        writer = csv.writer(fh)
        writer.writerow(["t_ns", "sent_here", *spec.signals])
        parquet, schema = None, None
        if extras.available("parquet"):
            import pyarrow.parquet as pq  # noqa: PLC0415 - optional dependency, loaded with the first table

            schema = ts.arrow_schema(cols)
            parquet = pq.ParquetWriter(str(self.dir / f"{spec.name}.parquet"), schema, compression="zstd")
        else:
            extras.skipped("parquet", "Parquet traces")
        table = _Table(spec, fh, writer, cols, parquet, schema)
        self._tables[spec.name] = table
        self._write_schema()
        return table

    def _write_schema(self) -> None:
        """trace/schema.json: types, units and value tables of every message seen so far."""
        described = {name: ts.describe(t.columns) for name, t in sorted(self._tables.items())}
        part = self.dir / f"{SCHEMA_FILE}.partial"
        part.write_text(json.dumps(described, indent=1, sort_keys=True) + "\n")
        os.replace(part, self.dir / SCHEMA_FILE)

    def _flush(self, table: _Table) -> None:
        rows = table.rows
        if not rows:
            return
        table.csv_writer.writerows(ts.csv_row(t, here, sig, table.columns) for t, here, sig in rows)
        if table.parquet is not None:
            table.parquet.write_table(ts.arrow_batch(rows, table.columns, table.schema))
        table.rows = []

    def close(self) -> None:
        """Flush and close every table (call once, also on error paths)."""
        for table in self._tables.values():
            try:
                self._flush(table)
            finally:
                table.csv_file.close()
                if table.parquet is not None:
                    table.parquet.close()
        self._tables.clear()


def read_signal(run_dir: Path, message: str, signal: str) -> tuple[list[int], list[float | None]]:
    """One signal of a results folder as (t_ns, decoded numbers; enums as their raw value).

    From the Parquet table when there is one and pyarrow is installed, else from the CSV; empty when
    the message never appeared.
    """
    trace = run_dir / TRACE_DIR
    described = json.loads((trace / SCHEMA_FILE).read_text()) if (trace / SCHEMA_FILE).exists() else {}
    column = ts.from_description(described.get(message, {})).get(signal) or ts.Column(
        signal, ts.Kind.FLOAT, "", {}, 0.0, 0.0)  # a folder written before typed traces: plain numbers
    if (trace / f"{message}.parquet").exists() and extras.available("parquet"):
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = pq.read_table(str(trace / f"{message}.parquet"), columns=["t_ns", signal])
        times = table.column("t_ns").cast(pa.int64()).to_pylist()
        return times, [column.number(v) for v in table.column(signal).to_pylist()]
    if not (trace / f"{message}.csv").exists():
        return [], []
    with (trace / f"{message}.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [int(r["t_ns"]) for r in rows], [column.number(r[signal]) for r in rows]
