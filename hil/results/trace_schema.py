"""Trace columns typed from the DBC: integers stay integers, one-bit flags booleans, enums carry their names.

One description serves both trace files. CSV gets the values as text; Parquet gets a schema with
integer, boolean, dictionary (enum) and float columns, `t_ns` as a duration, and the units and
value tables in its metadata; `trace/schema.json` holds the same for CSV readers.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hil.bus.codec import MessageSpec, RawLayout, Signals

Cell = int | bool | str | float | None
SCHEMA_KEY = b"hil.trace"  # Parquet schema metadata: this message's columns as JSON (see `describe`)


class Kind(enum.StrEnum):
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    FLOAT = "float"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    unit: str
    values: dict[int, str]  # the DBC value table (enums only)
    lo: float  # what the signal's bits can carry (not its declared range: frames from elsewhere
    hi: float  # may use the whole field), for the integer width

    def cell(self, value: float | None) -> Cell:
        """A decoded value (a float, enums as their raw number) as this column holds it."""
        if value is None:
            return None
        if self.kind is Kind.FLOAT:
            return value
        if not math.isfinite(value):  # never from the bus; but a trace must not crash on one
            return None
        raw = int(value)
        if self.kind is Kind.ENUM:
            return self.values.get(raw, str(raw))  # a value outside the table keeps its number
        return raw != 0 if self.kind is Kind.BOOL else raw

    def number(self, cell: Cell) -> float | None:
        """Back from a stored cell (CSV text or a Parquet value) to the decoded number."""
        if cell is None or cell == "":
            return None
        if self.kind is Kind.ENUM:
            by_name = {name: raw for raw, name in self.values.items()}
            return float(by_name[cell]) if cell in by_name else float(str(cell))
        if self.kind is Kind.BOOL:
            return 1.0 if cell in (True, "true", 1) else 0.0
        return float(cell)


def kind_of(layout: RawLayout, values: dict[int, str]) -> Kind:
    if values:
        return Kind.ENUM
    integral = not layout.is_float and layout.scale.is_integer() and layout.offset.is_integer()
    if not integral:
        return Kind.FLOAT
    flag = layout.bits == 1 and not layout.signed and layout.scale == 1 and layout.offset == 0
    return Kind.BOOL if flag else Kind.INT


def columns(spec: MessageSpec) -> tuple[Column, ...]:
    """The signal columns of one message's trace, in DBC order."""
    out = []
    for name in spec.signals:
        layout, values = spec.layouts[name], spec.choices.get(name, {})
        ends = (layout.lo, layout.hi) if layout.is_float else (
            layout.raw_min * layout.scale + layout.offset, layout.raw_max * layout.scale + layout.offset)
        out.append(Column(name, kind_of(layout, values), spec.units.get(name, ""), values, min(ends), max(ends)))
    return tuple(out)


def describe(cols: Sequence[Column]) -> dict[str, dict[str, Any]]:
    """JSON-able: per signal its type, unit and (enums) value table."""
    out: dict[str, dict[str, Any]] = {}
    for c in cols:
        entry: dict[str, Any] = {"type": c.kind.value, "unit": c.unit}
        if c.values:
            entry["values"] = {str(raw): name for raw, name in sorted(c.values.items())}
        out[c.name] = entry
    return out


def from_description(description: dict[str, dict[str, Any]]) -> dict[str, Column]:
    """The columns back from `describe`'s JSON (what a reader of a results folder has)."""
    return {name: Column(name, Kind(d["type"]), d.get("unit", ""),
                         {int(raw): str(v) for raw, v in d.get("values", {}).items()}, 0.0, 0.0)
            for name, d in description.items()}


def csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"  # as Parquet's booleans read back from CSV
    return str(cell)


def cells(sig: Signals, cols: Sequence[Column]) -> list[Cell]:
    """One frame's cells, column by column (computed once for both files)."""
    return [c.cell(sig.get(c.name)) for c in cols]


class RowGroup:
    """The rows of the next Parquet row group: each frame's cells (small, mostly shared objects)
    rather than its signal dictionary, which a long run cannot afford to hold."""

    __slots__ = ("rows", "sent", "t_ns")

    def __init__(self) -> None:
        self.t_ns: list[int] = []
        self.sent: list[bool] = []
        self.rows: list[Sequence[Cell]] = []

    def add(self, t_ns: int, sent_here: bool, row: Sequence[Cell]) -> None:
        self.t_ns.append(t_ns)
        self.sent.append(sent_here)
        self.rows.append(row)

    def columns(self, width: int) -> list[Sequence[Cell]]:
        """The cells column by column."""
        return list(zip(*self.rows, strict=True)) if self.rows else [() for _ in range(width)]

    def __len__(self) -> int:
        return len(self.t_ns)


# ---- Parquet: pyarrow is the [parquet] extra, imported only here and only when it is installed ----

def _int_type(lo: float, hi: float) -> Any:
    import pyarrow as pa  # noqa: PLC0415 - optional dependency

    for bits in (8, 16, 32):
        if lo >= 0 and hi < 2 ** bits:
            return getattr(pa, f"uint{bits}")()
        if -(2 ** (bits - 1)) <= lo and hi < 2 ** (bits - 1):
            return getattr(pa, f"int{bits}")()
    return pa.int64()


def arrow_type(c: Column) -> Any:
    import pyarrow as pa  # noqa: PLC0415 - optional dependency

    if c.kind is Kind.ENUM:
        return pa.dictionary(pa.int16(), pa.string())
    if c.kind is Kind.BOOL:
        return pa.bool_()
    return _int_type(c.lo, c.hi) if c.kind is Kind.INT else pa.float64()


def arrow_schema(cols: Sequence[Column]) -> Any:
    import pyarrow as pa  # noqa: PLC0415 - optional dependency

    fields = [pa.field("t_ns", pa.duration("ns"), nullable=False), pa.field("sent_here", pa.bool_(), nullable=False)]
    for c in cols:
        meta = {"unit": c.unit}
        if c.values:
            meta["values"] = json.dumps({str(raw): name for raw, name in sorted(c.values.items())})
        fields.append(pa.field(c.name, arrow_type(c), metadata=meta))
    return pa.schema(fields, metadata={SCHEMA_KEY: json.dumps(describe(cols)).encode()})


def arrow_batch(group: RowGroup, cols: Sequence[Column], schema: Any) -> Any:
    """One row group as a pyarrow Table of `schema`; enums keep one dictionary (the value table) per file."""
    import pyarrow as pa  # noqa: PLC0415 - optional dependency

    arrays = [pa.array(group.t_ns, pa.duration("ns")), pa.array(group.sent, pa.bool_())]
    for c, cells in zip(cols, group.columns(len(cols)), strict=True):
        if c.kind is Kind.ENUM:
            names = [name for _, name in sorted(c.values.items())]
            names += sorted({x for x in cells if isinstance(x, str)} - set(names))  # values outside the table
            index = {name: i for i, name in enumerate(names)}
            indices = pa.array([None if x is None else index[str(x)] for x in cells], pa.int16())
            arrays.append(pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string())))
        else:
            arrays.append(pa.array(cells, arrow_type(c)))
    return pa.Table.from_arrays(arrays, schema=schema)
