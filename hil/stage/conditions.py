"""What a verdict is made of: the condition's truth over looked-up values, and how to report it.

Pure helpers shared by the streaming judges (hil/stage/judges.py): no trace, no state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from hil.bus.codec import Signals
from hil.stage.expect import (
    DERIVED_KINDS,
    BBool,
    BCompare,
    BCond,
    BNot,
    BTruthy,
    Field,
    Value,
)
from hil.stage.expr import Num, SignalRef

FieldValue = float | int | str


class EventLike(Protocol):
    """What a check needs of an event (hil.results.events.Event has it)."""

    @property
    def kind(self) -> Any: ...  # str() gives the kind name
    @property
    def t_ns(self) -> int: ...
    @property
    def fields(self) -> Mapping[str, FieldValue]: ...


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str
    measured: float | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail,
                "measured": self.measured, "unit": self.unit}


Lookup = Callable[[Value], float | None]
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def compare(op: str, a: float, b: float) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return not compare("==", a, b)


def truth(cond: BCond, get: Lookup) -> bool | None:
    """The condition's value, or None when an operand has no value yet."""
    if isinstance(cond, BCompare):
        a, b = get(cond.left), get(cond.right)
        return None if a is None or b is None else compare(cond.op, a, b)
    if isinstance(cond, BTruthy):
        v = get(cond.value)
        return None if v is None else v != 0.0
    if isinstance(cond, BNot):
        x = truth(cond.operand, get)
        return None if x is None else not x
    assert isinstance(cond, BBool)
    vals = [truth(c, get) for c in cond.operands]
    if cond.op == "and":
        return False if False in vals else (None if None in vals else True)
    return True if True in vals else (None if None in vals else False)


def field_number(f: Field, value: FieldValue | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value in f.choices:
            return float(f.choices[value])
        try:
            return float(value)
        except ValueError:
            return None
    return float(value)


def signal_lookup(latest: Mapping[str, Signals]) -> Lookup:
    def get(v: Value) -> float | None:
        t = v.term
        if isinstance(t, Num):
            return t.value
        if isinstance(t, SignalRef):
            frame = latest.get(t.message)
            return None if frame is None else frame.get(t.signal)
        return None
    return get


def kind_matches(ev: EventLike, kind: str) -> bool:
    base = DERIVED_KINDS.get(kind, kind)
    if str(ev.kind) != base:
        return False
    if kind in ("upshift", "downshift"):
        try:
            a, b = float(ev.fields["FromGear"]), float(ev.fields["ToGear"])
        except (KeyError, ValueError):
            return False
        return 1 <= a <= 8 and 1 <= b <= 8 and (b > a if kind == "upshift" else b < a)
    return True


def simple_bound(cond: BCond) -> tuple[Value, str] | None:
    """For `X op number`: X and the op as if X were on the left."""
    if not isinstance(cond, BCompare):
        return None
    if isinstance(cond.right.term, Num) and not isinstance(cond.left.term, Num):
        return cond.left, cond.op
    if isinstance(cond.left.term, Num) and not isinstance(cond.right.term, Num):
        return cond.right, FLIP[cond.op]
    return None


def worse_of(op: str, want_true: bool) -> Callable[[float, float], float] | None:
    """How to keep the worst value of X: the side of the bound that would break the check."""
    if op in ("<", "<="):
        return max if want_true else min
    if op in (">", ">="):
        return min if want_true else max
    return None


def operands(cond: BCond) -> list[Value]:
    """The non-literal operands of a condition, in reading order."""
    if isinstance(cond, BCompare):
        return [v for v in (cond.left, cond.right) if not isinstance(v.term, Num)]
    if isinstance(cond, BTruthy):
        return [cond.value]
    if isinstance(cond, BNot):
        return operands(cond.operand)
    return [v for c in cond.operands for v in operands(c)]


def fmt(v: float | None, unit: str | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:g} {unit}" if unit else f"{v:g}"
