"""The documented range of every number in a calibration or rig file, read from the schemas.

`python -m hil.config.ranges > docs/ranges.md` regenerates the table; a test keeps it in step
and refuses a numeric field without both bounds.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel

from hil.config.calibration import CalibrationSet
from hil.config.rig import RigFile


@dataclass(frozen=True)
class Bound:
    """One numeric key: `[]` marks tuple elements, `<name>` a key the user chooses."""

    key: str
    kind: str  # "float" or "int"
    lo: float | None
    lo_open: bool
    hi: float | None
    hi_open: bool
    default: str

    @property
    def complete(self) -> bool:
        return self.lo is not None and self.hi is not None

    def range_text(self) -> str:
        lo = "-∞" if self.lo is None else _num(self.lo)
        hi = "∞" if self.hi is None else _num(self.hi)
        return f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}"


def _limits(metadata: Sequence[Any]) -> tuple[float | None, bool, float | None, bool]:
    lo: float | None = None
    hi: float | None = None
    lo_open = hi_open = False
    for m in metadata:
        if isinstance(m, at.Ge):
            lo, lo_open = float(m.ge), False  # type: ignore[arg-type]
        elif isinstance(m, at.Gt):
            lo, lo_open = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, at.Le):
            hi, hi_open = float(m.le), False  # type: ignore[arg-type]
        elif isinstance(m, at.Lt):
            hi, hi_open = float(m.lt), True  # type: ignore[arg-type]
    return lo, lo_open, hi, hi_open


def _strip(tp: Any) -> tuple[Any, list[Any]]:
    """The bare type and the constraints of an `Annotated[...]` (FieldInfo metadata included)."""
    meta: list[Any] = []
    while get_origin(tp) is typing.Annotated:
        tp, *extra = get_args(tp)
        for e in extra:
            meta.extend(getattr(e, "metadata", [e]))
    return tp, meta


def _walk(tp: Any, meta: list[Any], key: str, default: str) -> Iterator[Bound]:
    tp, more = _strip(tp)
    meta = meta + more
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        yield from bounds(tp, key + ".")
    elif origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        for m in members:
            bare, _ = _strip(m)
            tag = ""
            if len(members) > 1 and isinstance(bare, type) and issubclass(bare, BaseModel):
                kind = bare.model_fields.get("kind")
                tag = f" (kind = {kind.default})" if kind is not None else ""
            yield from _walk(m, meta, key + tag, default)
    elif origin is tuple:
        yield from _walk(get_args(tp)[0], [], f"{key}[]", "")
    elif origin is dict:
        yield from _walk(get_args(tp)[1], [], f"{key}.<name>", "")
    elif tp in (float, int):
        yield Bound(key, tp.__name__, *_limits(meta), default)


def bounds(model: type[BaseModel], prefix: str = "") -> Iterator[Bound]:
    """Every numeric key under `model` (nested sections, tuples and tables included)."""
    for name, info in model.model_fields.items():
        default = "" if info.is_required() or info.default_factory is not None else _default_text(info.default)
        yield from _walk(info.annotation, list(info.metadata), f"{prefix}{name}", default)


def _default_text(value: Any) -> str:
    if isinstance(value, BaseModel | tuple | dict):
        return ""
    return "" if value is None else _num(value) if isinstance(value, float) else str(value)


def _num(v: float) -> str:
    return str(int(v)) if v.is_integer() else f"{v:g}"


def markdown() -> str:
    """docs/ranges.md: one table for calibration files, one for rig files."""
    out = ["# Ranges of every number in calibration and rig files", "",
           "Generated from the schemas by `python -m hil.config.ranges`; `hil check`, `hil run`, `hil serve`",
           "and MQTT `calibration/set` refuse a value outside its range, NaN and infinities with the file,",
           "the key and the reason. `(` `)` exclude the bound, `[` `]` include it; `[]` is every element of a",
           "list, `<name>` a key you choose. Units are in the key names. Cross-checks between keys (hysteresis",
           "order, gear counts) come on top; the reason names them.", ""]
    for title, model, prefix in (("Calibration files", CalibrationSet, ""), ("Rig files", RigFile, "")):
        out += [f"## {title}", "", "| key | type | range | default |", "|---|---|---|---|"]
        out += [f"| `{b.key}` | {b.kind} | {b.range_text()} | {b.default} |" for b in bounds(model, prefix)]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
