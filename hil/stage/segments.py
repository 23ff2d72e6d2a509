"""The segment scopes (`stage:` and `from A to B:`), judged as frames pass: the distance from the
wheel speeds, where each bound falls, and running aggregates over the window (max, min, mean;
counts of events at the end). Nothing of the trace is held beyond the current instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.bus.codec import Signals
from hil.stage.conditions import EventLike, Verdict, fmt, kind_matches, operands, simple_bound, truth
from hil.stage.expect import Aggregate, Builtin, Expectation, Value
from hil.stage.expr import Bound, Num
from hil.stage.judges import Judge

ODOMETER_MESSAGE = "ABS_WheelSpeeds"  # VehicleSpeed, held between frames, gives the distance


@dataclass(slots=True)
class Odometer:
    """Distance covered (m) from VehicleSpeed held between ABS_WheelSpeeds frames."""

    metres: float = 0.0
    t_ns: int | None = None  # the latest ABS frame
    speed_kph: float = 0.0

    def frame(self, t_ns: int, signals: Signals) -> None:
        if self.t_ns is not None:
            self.metres += self.speed_kph / 3.6 * (t_ns - self.t_ns) / 1e9
        self.t_ns, self.speed_kph = t_ns, signals.get("VehicleSpeed", 0.0)


class _Point:
    """Where a segment bound falls: its time (None until known: a distance not reached yet, or the
    end of a run whose end is only known at the end) and the distance at that time."""

    __slots__ = ("bound", "metres", "t_ns")

    def __init__(self, bound: Bound, start_ns: int, end_ns: int | None) -> None:
        self.bound = bound
        self.t_ns: int | None = None
        self.metres = 0.0  # distance of the last ABS frame at or before t_ns (0 before any)
        if bound.dimension == "end":
            self.t_ns = end_ns
        elif bound.dimension == "time":
            self.t_ns = start_ns + round(bound.value * 1e9)

    def odometer(self, t_ns: int, metres: float) -> None:
        if self.t_ns is None:
            if self.bound.dimension == "distance" and metres >= self.bound.value:
                self.t_ns = t_ns
            elif self.bound.dimension == "end":  # an end known only at the end: every frame is before it
                self.metres = metres
                return
        if self.t_ns is not None and t_ns <= self.t_ns:
            self.metres = metres

    def time(self, end_ns: int) -> int | None:
        """The bound's time once the run is over; None if the run never got there."""
        if self.bound.dimension == "end":
            return end_ns
        if self.bound.dimension == "time" and self.t_ns is not None and self.t_ns > end_ns:
            return None
        return self.t_ns


class _Running:
    """max, min or mean of a signal over the window, kept as the frames pass (mean: the same
    left-to-right float sum as sum())."""

    __slots__ = ("func", "n", "value")

    def __init__(self, func: str) -> None:
        self.func = func
        self.value: float | None = None
        self.n = 0

    def add(self, x: float) -> None:
        v = self.value
        if v is None:
            self.value = 0 + x if self.func == "mean" else x
        elif self.func == "mean":
            self.value = v + x
        elif (x > v) if self.func == "max" else (x < v):  # ties keep the first, as max()/min() do
            self.value = x
        self.n += 1

    def result(self) -> float | None:
        if self.value is None:
            return None
        return self.value / self.n if self.func == "mean" else self.value


class WindowJudge(Judge):
    """`stage:` and `from A to B:` checks: aggregates of signals and events, duration, distance."""

    def __init__(self, e: Expectation, start_ns: int, end_ns: int | None) -> None:
        super().__init__(e)
        s = e.scope
        self.start_ns, self.end_ns = start_ns, end_ns
        if s.kind == "stage":
            self.p0, self.p1 = _Point(Bound(0.0, "time"), start_ns, end_ns), _Point(Bound(0.0, "end"), start_ns, end_ns)
        else:
            assert s.start is not None and s.end is not None
            self.p0, self.p1 = _Point(s.start, start_ns, end_ns), _Point(s.end, start_ns, end_ns)
        aggregates = {v.term for v in operands(e.cond) if isinstance(v.term, Aggregate)}
        self.running = {a: _Running(a.func) for a in aggregates if a.signal is not None and a.func != "count"}
        self.counted = [a for a in aggregates if a.func == "count"]
        self.messages = frozenset(a.signal.message for a in self.running if a.signal is not None)
        self.held: list[tuple[int, str, Signals]] = []  # this instant's frames, while t0 is unknown
        self.events: list[EventLike] = []
        self.metres = 0.0  # the whole run's distance, for "segment not completed"

    def odometer(self, t_ns: int, metres: float) -> None:
        self.metres = metres
        known = self.p0.t_ns is not None
        self.p0.odometer(t_ns, metres)
        self.p1.odometer(t_ns, metres)
        if not known and self.p0.t_ns is not None:  # t0 falls on this instant: its earlier frames count
            held, self.held = self.held, []
            for frame in held:
                if frame[0] == t_ns:
                    self.frame(*frame)

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        t0, t1 = self.p0.t_ns, self.p1.t_ns
        if t0 is None:
            if self.held and self.held[0][0] != t_ns:
                self.held = []
            self.held.append((t_ns, name, signals))
            return
        if t_ns < t0 or (t1 is not None and t_ns > t1):
            return
        for a, running in self.running.items():
            sig = a.signal
            if sig is not None and sig.message == name and sig.signal in signals:
                running.add(signals[sig.signal])

    def event(self, ev: EventLike) -> None:
        if self.counted:
            self.events.append(ev)

    def verdict(self, end_ns: int) -> Verdict:
        e = self.e
        t0, t1 = self.p0.time(end_ns), self.p1.time(end_ns)
        if t0 is None or t1 is None:
            ran_s = (end_ns - self.start_ns) / 1e9
            return Verdict(e.name, False, f"segment not completed (run ended at {ran_s:.1f} s, {self.metres:.0f} m)")
        values: dict[Value, float | None] = {}

        def get(v: Value) -> float | None:
            t = v.term
            if isinstance(t, Num):
                return t.value
            if v not in values:
                values[v] = self._value(t, t0, t1)
            return values[v]

        ok = truth(e.cond, get)
        simple = simple_bound(e.cond)
        measured = get(simple[0]) if simple else None
        unit = simple[0].unit if simple else None
        where = f"{(t0 - self.start_ns) / 1e9:.2f} s .. {(t1 - self.start_ns) / 1e9:.2f} s"
        shown = ", ".join(f"{v.describe()} = {fmt(get(v), v.unit)}" for v in operands(e.cond))
        if ok is None:
            return Verdict(e.name, False, f"no data in {where}", measured, unit)
        return Verdict(e.name, bool(ok), f"{shown} over {where}".strip(), measured, unit)

    def _value(self, term: object, t0: int, t1: int) -> float | None:
        if isinstance(term, Builtin):
            return (t1 - t0) / 1e9 if term.name == "duration" else self.p1.metres - self.p0.metres
        if isinstance(term, Aggregate):
            if term.func == "count":
                kind = term.event or ""
                return float(sum(1 for ev in self.events if t0 <= ev.t_ns <= t1 and kind_matches(ev, kind)))
            return self.running[term].result()
        return None
