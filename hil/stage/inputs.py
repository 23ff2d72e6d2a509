"""A stage's data input: a CSV time series of driver/world channels, or a CAN log to replay.

    input: {csv: laps.csv, interpolate: linear}    # or step
    input: {can_log: recorded.asc, start: 2 s}
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from yaml.nodes import Node

from hil.errors import StageError
from hil.models.world import SURFACES
from hil.stage.compile import Command, Compiler, SurfacePatch
from hil.stage.grammar import MAX_STAGE_NS, channel_value
from hil.stage.replay import Replay, read_can_log
from hil.stage.timeline import DRIVER_CHANNELS, WHEELS, WORLD_CHANNELS
from hil.stage.yamlnodes import YamlContext

TIME_COLUMNS = {"time_s": 1e9, "time_ms": 1e6}
# channels that never interpolate: they are switches, not pedals
STEPPED = frozenset({"paddle_up", "paddle_down", "selector", "centre_lock", "low_range"})
SURFACE_COLUMNS = {"surface": WHEELS, **{f"surface_{w}": (w,) for w in WHEELS}}
MAX_ROWS = 2_000_000


def read_input(ctx: YamlContext, node: Node, base: Path, comp: Compiler) -> tuple[int, Replay | None]:
    """Add a CSV's commands to `comp`, or read a CAN log to replay; returns (end time, replay)."""
    m = ctx.mapping(node, "input", ("csv", "can_log", "interpolate", "start"))
    if ("csv" in m) == ("can_log" in m):
        raise ctx.fail(node, "input", "give one of 'csv' or 'can_log'")
    start = ctx.duration_ns(m["start"][1], "input.start") if "start" in m else 0
    if "can_log" in m:
        if "interpolate" in m:
            raise ctx.fail(m["interpolate"][0], "input.interpolate", "only for a csv input")
        key_node = m["can_log"][1]
        path = base / ctx.scalar(key_node, "input.can_log")
        replay = read_can_log(path, start, ctx.file, f"line {key_node.start_mark.line + 1}: input.can_log")
        return replay.end_ns, replay
    linear = True
    if "interpolate" in m:
        linear = ctx.choice(m["interpolate"][1], "input.interpolate", {"linear": 1.0, "step": 0.0}) == 1.0
    key_node = m["csv"][1]
    path = base / ctx.scalar(key_node, "input.csv")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not found" if isinstance(exc, FileNotFoundError) else f"cannot read: {exc}"
        raise ctx.fail(key_node, "input.csv", f"CSV {path}: {reason}") from None
    return read_csv(text, str(path), comp, start, linear), None


def read_csv(text: str, file: str, comp: Compiler, start_ns: int = 0, linear: bool = True) -> int:
    """Rows of `time_s` (or `time_ms`) and channel columns; empty cells keep the last value."""
    rows = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise StageError(file, "line 1", "empty CSV (needs a header: time_s, channels...)") from None
    except csv.Error as exc:
        raise StageError(file, "line 1", f"not valid CSV: {exc}") from None
    if not header or header[0] not in TIME_COLUMNS:
        raise StageError(file, "line 1", f"the first column must be {' or '.join(TIME_COLUMNS)}")
    scale = TIME_COLUMNS[header[0]]
    known = {*DRIVER_CHANNELS, *WORLD_CHANNELS, *SURFACE_COLUMNS}
    for col in header[1:]:
        if col not in known:
            raise StageError(file, f"line 1: {col}", f"unknown column; known: {', '.join(sorted(known))}")
    if len(set(header)) != len(header):
        raise StageError(file, "line 1", "a column is named twice")
    points: dict[str, list[tuple[int, float]]] = {c: [] for c in header[1:] if c not in SURFACE_COLUMNS}
    last_t = -1
    try:
        for row in rows:
            line = rows.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise StageError(file, f"line {line}", f"{len(row)} cells, the header has {len(header)}")
            t = start_ns + round(_number(row[0], file, line, header[0]) * scale)
            if not 0 <= t <= MAX_STAGE_NS:
                raise StageError(file, f"line {line}: {header[0]}", "outside 0..48 h")
            if t < last_t:
                raise StageError(file, f"line {line}: {header[0]}", "time goes back")
            last_t = t
            if line > MAX_ROWS:
                raise StageError(file, f"line {line}", f"more than {MAX_ROWS} rows")
            for col, raw in zip(header[1:], row[1:], strict=True):
                cell = raw.strip()
                if not cell:
                    continue
                if col in SURFACE_COLUMNS:
                    if cell not in SURFACES:
                        raise StageError(file, f"line {line}: {col}", f"unknown surface {cell!r}; one of "
                                                                      f"{', '.join(SURFACES)}")
                    comp.add(Command.surface(t, SurfacePatch(tuple((w, cell) for w in SURFACE_COLUMNS[col]))))
                else:
                    points[col].append((t, _cell(col, cell, file, line)))
    except csv.Error as exc:
        raise StageError(file, f"line {rows.line_num}", f"not valid CSV: {exc}") from None
    if last_t < 0:
        raise StageError(file, "line 2", "no data rows")
    for col, pts in points.items():
        _emit(comp, col, pts, linear and col not in STEPPED)
    return last_t


def _number(cell: str, file: str, line: int, col: str) -> float:
    try:
        v = float(cell)
    except ValueError:
        raise StageError(file, f"line {line}: {col}", f"not a number: {cell.strip()!r}") from None
    if not math.isfinite(v):
        raise StageError(file, f"line {line}: {col}", f"out of range: {cell.strip()!r}")
    return v


def _cell(col: str, cell: str, file: str, line: int) -> float:
    """A channel value, to the same limits as the script's actions (pedal 0..100 %, selector P..M, ...)."""
    try:
        return channel_value(col, cell)
    except ValueError as exc:
        raise StageError(file, f"line {line}: {col}", str(exc)) from None


def _emit(comp: Compiler, channel: str, pts: list[tuple[int, float]], linear: bool) -> None:
    for i, (t, v) in enumerate(pts):
        if i == 0 or not linear:
            comp.add(Command.set(t, channel, v))
        if linear and i + 1 < len(pts):
            t1, v1 = pts[i + 1]
            comp.add(Command(t, channel, v1, over_ns=t1 - t) if t1 > t else Command.set(t1, channel, v1))
