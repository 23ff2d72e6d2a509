"""Evaluates bound expectations against a decoded trace and its events: one Verdict each.

Signals are sampled and held: at each instant a frame of a message the check reads arrives,
the condition sees the latest value of every signal it names (instants before every named
message has been seen are skipped). Events are checked with the signals as of their time.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hil.bus.codec import Signals
from hil.results.trace import Trace
from hil.stage.expect import (
    DERIVED_KINDS,
    Aggregate,
    BBool,
    BCompare,
    BCond,
    BNot,
    BTruthy,
    Builtin,
    Expectation,
    Field,
    Value,
)
from hil.stage.expr import Bound, Num, SignalRef

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
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _cmp(op: str, a: float, b: float) -> bool:
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
    return not _cmp("==", a, b)


def truth(cond: BCond, get: Lookup) -> bool | None:
    """The condition's value, or None when an operand has no value yet."""
    if isinstance(cond, BCompare):
        a, b = get(cond.left), get(cond.right)
        return None if a is None or b is None else _cmp(cond.op, a, b)
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


def _signal_lookup(latest: Mapping[str, Signals]) -> Lookup:
    def get(v: Value) -> float | None:
        t = v.term
        if isinstance(t, Num):
            return t.value
        if isinstance(t, SignalRef):
            frame = latest.get(t.message)
            return None if frame is None else frame.get(t.signal)
        return None
    return get


# ---- walking the trace ---------------------------------------------------------------

def _instants(trace: Trace, messages: frozenset[str]) -> Iterator[tuple[int, dict[str, Signals]]]:
    """(t_ns, latest signals) after all frames of one instant, once every message was seen."""
    latest: dict[str, Signals] = {}
    pending: int | None = None
    for f in trace.frames:
        if f.name not in messages:
            continue
        if pending is not None and f.t_ns != pending and len(latest) == len(messages):
            yield pending, latest
        latest[f.name] = f.signals
        pending = f.t_ns
    if pending is not None and len(latest) == len(messages):
        yield pending, latest


def _kind_matches(ev: EventLike, kind: str) -> bool:
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


def _simple(cond: BCond) -> tuple[Value, str] | None:
    """For `X op number`: X and the op as if X were on the left."""
    if not isinstance(cond, BCompare):
        return None
    if isinstance(cond.right.term, Num) and not isinstance(cond.left.term, Num):
        return cond.left, cond.op
    if isinstance(cond.left.term, Num) and not isinstance(cond.right.term, Num):
        return cond.right, _FLIP[cond.op]
    return None


def _worse(op: str, want_true: bool) -> Callable[[float, float], float] | None:
    """How to keep the worst value of X: the side of the bound that would break the check."""
    if op in ("<", "<="):
        return max if want_true else min
    if op in (">", ">="):
        return min if want_true else max
    return None


def _operands(cond: BCond) -> list[Value]:
    """The non-literal operands of a condition, in reading order."""
    if isinstance(cond, BCompare):
        return [v for v in (cond.left, cond.right) if not isinstance(v.term, Num)]
    if isinstance(cond, BTruthy):
        return [cond.value]
    if isinstance(cond, BNot):
        return _operands(cond.operand)
    return [v for c in cond.operands for v in _operands(c)]


def _fmt(v: float | None, unit: str | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:g} {unit}" if unit else f"{v:g}"


# ---- the scopes ----------------------------------------------------------------------

def _check_instants(e: Expectation, trace: Trace) -> Verdict:
    kind = e.scope.kind
    want = kind != "never"
    simple = _simple(e.cond)
    worse = _worse(simple[1], want) if simple else None
    measured: float | None = None
    bad, n, first_bad, first_true = 0, 0, None, None
    for t, latest in _instants(trace, e.messages):
        get = _signal_lookup(latest)
        ok = truth(e.cond, get)
        if ok is None:
            continue
        n += 1
        if ok and first_true is None:
            first_true = t
            if kind == "eventually":
                break
        if simple and worse:
            x = get(simple[0])
            if x is not None:
                measured = x if measured is None else worse(measured, x)
        if ok != want:
            bad += 1
            if first_bad is None:
                first_bad = t
    unit = simple[0].unit if simple else None
    if kind == "eventually":
        if first_true is None:
            return Verdict(e.name, False, f"never true in {n} samples", None, "s")
        return Verdict(e.name, True, f"true first at {first_true / 1e9:.3f} s", first_true / 1e9, "s")
    if n == 0:
        return Verdict(e.name, False, f"no samples of {', '.join(sorted(e.messages)) or 'the signals'}")
    if worse is None:  # no single value to show: count the samples that break it
        measured, unit = float(bad), None
    worst = f"; worst {_fmt(measured, unit)}" if worse else ""
    if bad:
        assert first_bad is not None
        return Verdict(e.name, False, f"{bad} of {n} samples break it, first at {first_bad / 1e9:.3f} s{worst}",
                       measured, unit)
    return Verdict(e.name, True, f"{n} samples{worst}", measured, unit)


def _events_with_state(
    trace: Trace, messages: frozenset[str], events: Sequence[EventLike],
) -> Iterator[tuple[EventLike, dict[str, Signals]]]:
    """Each event with the latest signals as of its time (frames at the same instant included)."""
    latest: dict[str, Signals] = {}
    frames = [f for f in trace.frames if f.name in messages]
    i = 0
    for ev in sorted(events, key=lambda x: x.t_ns):
        while i < len(frames) and frames[i].t_ns <= ev.t_ns:
            latest[frames[i].name] = frames[i].signals
            i += 1
        yield ev, latest


def _check_every(e: Expectation, trace: Trace, events: Sequence[EventLike]) -> Verdict:
    kind = e.scope.event or ""
    mine = [ev for ev in events if _kind_matches(ev, kind)]
    simple = _simple(e.cond)
    worse = _worse(simple[1], True) if simple else None
    measured: float | None = None
    bad, first_bad = 0, None
    for ev, latest in _events_with_state(trace, e.messages, mine):
        sig_get = _signal_lookup(latest)

        def get(v: Value, ev: EventLike = ev, sig_get: Lookup = sig_get) -> float | None:
            if isinstance(v.term, Field):
                return field_number(v.term, ev.fields.get(v.term.name))
            return sig_get(v)

        ok = truth(e.cond, get)
        if simple and worse:
            x = get(simple[0])
            if x is not None:
                measured = x if measured is None else worse(measured, x)
        if not ok:
            bad += 1
            first_bad = first_bad if first_bad is not None else ev.t_ns
    unit = simple[0].unit if simple and worse else None
    if not mine:
        return Verdict(e.name, True, f"no {kind} events (nothing to check)", None, unit)
    if worse is None:
        measured = float(bad)
    if bad:
        assert first_bad is not None
        return Verdict(e.name, False, f"{bad} of {len(mine)} {kind} events break it, first at "
                                      f"{first_bad / 1e9:.3f} s; worst {_fmt(measured, unit)}", measured, unit)
    return Verdict(e.name, True, f"{len(mine)} {kind} events, worst {_fmt(measured, unit)}", measured, unit)


def _check_within(e: Expectation, trace: Trace, events: Sequence[EventLike]) -> Verdict:
    kind = e.scope.event or ""
    window_ns = round(e.scope.window_s * 1e9)
    series = [(t, truth(e.cond, _signal_lookup(latest))) for t, latest in _instants(trace, e.messages)]
    times = [t for t, _ in series]
    mine = sorted((ev for ev in events if _kind_matches(ev, kind)), key=lambda x: x.t_ns)
    worst: float | None = None
    missed: list[int] = []
    for ev in mine:
        i = max(0, bisect.bisect_right(times, ev.t_ns) - 1)  # the state as of the event
        hit = None
        while i < len(series) and series[i][0] <= ev.t_ns + window_ns:
            if series[i][1]:
                hit = max(0, series[i][0] - ev.t_ns)
                break
            i += 1
        if hit is None:
            missed.append(ev.t_ns)
        else:
            worst = hit / 1e6 if worst is None else max(worst, hit / 1e6)
    if not mine:
        return Verdict(e.name, True, f"no {kind} events (nothing to check)", None, "ms")
    if missed:
        return Verdict(e.name, False, f"{len(missed)} of {len(mine)} {kind} events not followed within "
                                      f"{window_ns / 1e6:g} ms, first at {missed[0] / 1e9:.3f} s",
                       None if worst is None else worst, "ms")
    return Verdict(e.name, True, f"{len(mine)} {kind} events, slowest after {worst:g} ms", worst, "ms")


def _distance(trace: Trace) -> tuple[list[int], list[float]]:
    """Distance covered (m) at each ABS_WheelSpeeds frame, from VehicleSpeed held between frames."""
    times: list[int] = []
    dist: list[float] = []
    d, prev_t, prev_v = 0.0, None, 0.0
    for f in trace.frames:
        if f.name != "ABS_WheelSpeeds":
            continue
        if prev_t is not None:
            d += prev_v / 3.6 * (f.t_ns - prev_t) / 1e9
        times.append(f.t_ns)
        dist.append(d)
        prev_t, prev_v = f.t_ns, f.signals.get("VehicleSpeed", 0.0)
    return times, dist


def _bound_ns(b: Bound, start_ns: int, end_ns: int, dist: tuple[list[int], list[float]]) -> int | None:
    if b.dimension == "end":
        return end_ns
    if b.dimension == "time":
        t = start_ns + round(b.value * 1e9)
        return t if t <= end_ns else None
    times, d = dist
    i = bisect.bisect_left(d, b.value)
    return times[i] if i < len(times) else None


def _dist_at(t_ns: int, dist: tuple[list[int], list[float]]) -> float:
    times, d = dist
    i = bisect.bisect_right(times, t_ns) - 1
    return d[i] if i >= 0 else 0.0


def _aggregate(a: Aggregate, trace: Trace, events: Sequence[EventLike], t0: int, t1: int) -> float | None:
    if a.func == "count":
        return float(sum(1 for ev in events if t0 <= ev.t_ns <= t1 and _kind_matches(ev, a.event or "")))
    assert a.signal is not None
    vals = [f.signals[a.signal.signal] for f in trace.frames
            if f.name == a.signal.message and t0 <= f.t_ns <= t1 and a.signal.signal in f.signals]
    if not vals:
        return None
    if a.func == "max":
        return max(vals)
    if a.func == "min":
        return min(vals)
    return sum(vals) / len(vals)


def _check_window(e: Expectation, trace: Trace, events: Sequence[EventLike], start_ns: int, end_ns: int) -> Verdict:
    dist = _distance(trace)
    s = e.scope
    if s.kind == "stage":
        t0, t1 = start_ns, end_ns
    else:
        assert s.start is not None and s.end is not None
        b0, b1 = _bound_ns(s.start, start_ns, end_ns, dist), _bound_ns(s.end, start_ns, end_ns, dist)
        if b0 is None or b1 is None:
            reached = dist[1][-1] if dist[1] else 0.0
            return Verdict(e.name, False, f"segment not completed (run ended at {(end_ns - start_ns) / 1e9:.1f} s, "
                                          f"{reached:.0f} m)")
        t0, t1 = b0, b1
    cache: dict[Value, float | None] = {}

    def get(v: Value) -> float | None:
        t = v.term
        if isinstance(t, Num):
            return t.value
        if v not in cache:
            if isinstance(t, Builtin):
                cache[v] = (t1 - t0) / 1e9 if t.name == "duration" else _dist_at(t1, dist) - _dist_at(t0, dist)
            elif isinstance(t, Aggregate):
                cache[v] = _aggregate(t, trace, events, t0, t1)
            else:
                cache[v] = None
        return cache[v]

    ok = truth(e.cond, get)
    simple = _simple(e.cond)
    measured = get(simple[0]) if simple else None
    unit = simple[0].unit if simple else None
    where = f"{(t0 - start_ns) / 1e9:.2f} s .. {(t1 - start_ns) / 1e9:.2f} s"
    shown = ", ".join(f"{v.describe()} = {_fmt(get(v), v.unit)}" for v in _operands(e.cond))
    if ok is None:
        return Verdict(e.name, False, f"no data in {where}", measured, unit)
    return Verdict(e.name, bool(ok), f"{shown} over {where}".strip(), measured, unit)


def messages_read(expectations: Iterable[Expectation]) -> frozenset[str]:
    """The messages a trace must keep for these checks (`Trace(only=...)` on long runs)."""
    return frozenset(m for e in expectations for m in e.messages)


def evaluate(
    expectations: Iterable[Expectation], trace: Trace, events: Sequence[EventLike],
    *, start_ns: int = 0, end_ns: int | None = None,
) -> list[Verdict]:
    """A verdict per expectation, in order. `end_ns` defaults to the last frame's time."""
    end = end_ns if end_ns is not None else (trace.frames[-1].t_ns if trace.frames else start_ns)
    out: list[Verdict] = []
    for e in expectations:
        kind = e.scope.kind
        if kind in ("always", "never", "eventually"):
            out.append(_check_instants(e, trace))
        elif kind == "every":
            out.append(_check_every(e, trace, events))
        elif kind == "within":
            out.append(_check_within(e, trace, events))
        else:
            out.append(_check_window(e, trace, events, start_ns, end))
    return out
