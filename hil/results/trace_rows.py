"""One function per trace table, generated from its columns: a frame's cells and CSV fields at once.

It computes exactly what `Column.cell` and `csv_text` (hil/results/trace_schema.py) compute, column
by column, without a method call per signal (tests/results/test_trace_rows.py proves it); a long
run writes every frame of the bus this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from hil.bus.codec import Signals
from hil.results.trace_schema import Cell, Column, Kind, csv_text

RowFn = Callable[[Signals], tuple[tuple[Cell, ...], list[str]]]


def row_function(cols: Sequence[Column]) -> RowFn:
    lines = ["def row(sig, _isfinite=_isfinite, _int=int, _str=str, _float=float, _text=_text):",
             "    get = sig.get"]
    namespace: dict[str, object] = {"_isfinite": math.isfinite, "_text": csv_text}
    for i, c in enumerate(cols):
        lines.append(f"    v = get({c.name!r})")
        if c.kind is Kind.FLOAT:  # the value as it is
            lines += [f"    c{i} = v",
                      f"    t{i} = _str(v) if v.__class__ is _float else _text(v)"]
            continue
        lines += ["    if v is None or not _isfinite(v):",  # never from the bus; a trace must not crash on one
                  f"        c{i} = None",
                  f"        t{i} = ''",
                  "    else:",
                  "        r = _int(v)"]
        if c.kind is Kind.ENUM:  # its name, or its number outside the value table
            namespace[f"values{i}"] = c.values
            lines += [f"        c{i} = values{i}.get(r)",
                      f"        if c{i} is None:",
                      f"            c{i} = _str(r)",
                      f"        t{i} = c{i}"]
        elif c.kind is Kind.BOOL:
            lines += [f"        c{i} = r != 0",
                      f"        t{i} = 'true' if c{i} else 'false'"]
        else:
            lines += [f"        c{i} = r",
                      f"        t{i} = _str(r)"]
    cells = ", ".join(f"c{i}" for i in range(len(cols)))
    texts = ", ".join(f"t{i}" for i in range(len(cols)))
    lines.append(f"    return ({cells}{',' if len(cols) == 1 else ''}), [{texts}]")
    exec(compile("\n".join(lines) + "\n", "<trace row>", "exec"), namespace)  # our own text, from the DBC
    return namespace["row"]  # type: ignore[return-value]
