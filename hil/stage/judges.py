"""A streaming judge per expectation scope (segments: hil/stage/segments.py): frames and events go
in as the run makes them, a verdict comes out at the end, and nothing of the trace is held beyond
what a check still needs.

Signals are sampled and held: at each instant a frame of a message the check reads arrives, the
condition sees the latest value of every signal it names (instants before every named message has
been seen are skipped). An event sees the signals as of its time, frames of that instant included:
it is judged when the first later frame arrives (or at the end), so events must not be back-dated.
"""

from __future__ import annotations

from collections.abc import Callable

from hil.bus.codec import Signals
from hil.stage.conditions import (
    EventLike,
    Verdict,
    field_number,
    fmt,
    kind_matches,
    signal_lookup,
    simple_bound,
    truth,
    worse_of,
)
from hil.stage.expect import Expectation, Field, Value


class Instants:
    """The instants of one set of messages: after all frames of one bus time, once every message
    was seen, the latest signals of each."""

    __slots__ = ("latest", "messages", "on_instant", "pending")

    def __init__(self, messages: frozenset[str], on_instant: Callable[[int], None]) -> None:
        self.messages = messages
        self.on_instant = on_instant  # called with the instant's time while `latest` holds its state
        self.latest: dict[str, Signals] = {}
        self.pending: int | None = None

    def add(self, t_ns: int, name: str, signals: Signals) -> None:
        """Take a frame; a frame of a later time first completes the pending instant."""
        pending = self.pending
        if pending is not None and t_ns != pending and len(self.latest) == len(self.messages):
            self.on_instant(pending)
        self.latest[name] = signals
        self.pending = t_ns

    @property
    def full(self) -> bool:
        return len(self.latest) == len(self.messages)


class Judge:
    """Base of the scope judges: `frame` for each frame of `messages`, `event` for each event."""

    def __init__(self, e: Expectation) -> None:
        self.e = e
        self.messages = e.messages

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        raise NotImplementedError

    def event(self, ev: EventLike) -> None:
        """Events are ignored unless the scope reads them."""

    def verdict(self, end_ns: int) -> Verdict:
        raise NotImplementedError


class InstantsJudge(Judge):
    """`always`, `never`, `eventually`: the condition at every instant."""

    def __init__(self, e: Expectation) -> None:
        super().__init__(e)
        self.instants = Instants(e.messages, self._judge)
        self.want = e.scope.kind != "never"
        self.simple = simple_bound(e.cond)
        self.worse = worse_of(self.simple[1], self.want) if self.simple else None
        self.measured: float | None = None
        self.bad = self.n = 0
        self.first_bad: int | None = None
        self.first_true: int | None = None
        self.done = False  # `eventually` stops at its first true instant

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        if not self.done:
            self.instants.add(t_ns, name, signals)

    def _judge(self, t: int) -> None:
        if self.done:
            return
        get = signal_lookup(self.instants.latest)
        ok = truth(self.e.cond, get)
        if ok is None:
            return
        self.n += 1
        if ok and self.first_true is None:
            self.first_true = t
            if self.e.scope.kind == "eventually":
                self.done = True
                return
        if self.simple and self.worse:
            x = get(self.simple[0])
            if x is not None:
                self.measured = x if self.measured is None else self.worse(self.measured, x)
        if ok != self.want:
            self.bad += 1
            if self.first_bad is None:
                self.first_bad = t

    def verdict(self, end_ns: int) -> Verdict:
        if not self.done and self.instants.pending is not None and self.instants.full:
            self._judge(self.instants.pending)  # the last instant: no later frame completed it
        e, n, bad = self.e, self.n, self.bad
        unit = self.simple[0].unit if self.simple else None
        measured = self.measured
        if e.scope.kind == "eventually":
            if self.first_true is None:
                return Verdict(e.name, False, f"never true in {n} samples", None, "s")
            return Verdict(e.name, True, f"true first at {self.first_true / 1e9:.3f} s", self.first_true / 1e9, "s")
        if n == 0:
            return Verdict(e.name, False, f"no samples of {', '.join(sorted(e.messages)) or 'the signals'}")
        if self.worse is None:  # no single value to show: count the samples that break it
            measured, unit = float(bad), None
        worst = f"; worst {fmt(measured, unit)}" if self.worse else ""
        if bad:
            assert self.first_bad is not None
            return Verdict(e.name, False, f"{bad} of {n} samples break it, first at {self.first_bad / 1e9:.3f} s"
                                          f"{worst}", measured, unit)
        return Verdict(e.name, True, f"{n} samples{worst}", measured, unit)


class _EventJudge(Judge):
    """Scopes over events of one kind: each is judged once every frame of its instant is in."""

    def __init__(self, e: Expectation) -> None:
        super().__init__(e)
        self.kind = e.scope.event or ""
        self.waiting: list[EventLike] = []  # in arrival order = time order
        self.count = 0

    def event(self, ev: EventLike) -> None:
        if kind_matches(ev, self.kind):
            self.count += 1
            self.waiting.append(ev)

    def _due(self, t_ns: int) -> None:
        """Judge the waiting events older than `t_ns` (the frame about to be taken)."""
        if self.waiting and self.waiting[0].t_ns < t_ns:
            keep = [ev for ev in self.waiting if ev.t_ns >= t_ns]
            for ev in sorted((ev for ev in self.waiting if ev.t_ns < t_ns), key=lambda x: x.t_ns):
                self._judge(ev)
            self.waiting = keep

    def _flush(self) -> None:
        for ev in sorted(self.waiting, key=lambda x: x.t_ns):
            self._judge(ev)
        self.waiting = []

    def _judge(self, ev: EventLike) -> None:
        raise NotImplementedError


class EveryJudge(_EventJudge):
    """`every EVENT: cond`: the condition at each event, with the signals as of its time."""

    def __init__(self, e: Expectation) -> None:
        super().__init__(e)
        self.latest: dict[str, Signals] = {}
        self.simple = simple_bound(e.cond)
        self.worse = worse_of(self.simple[1], True) if self.simple else None
        self.measured: float | None = None
        self.bad = 0
        self.first_bad: int | None = None

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        self._due(t_ns)
        self.latest[name] = signals

    def _judge(self, ev: EventLike) -> None:
        sig_get = signal_lookup(self.latest)

        def get(v: Value) -> float | None:
            if isinstance(v.term, Field):
                return field_number(v.term, ev.fields.get(v.term.name))
            return sig_get(v)

        ok = truth(self.e.cond, get)
        if self.simple and self.worse:
            x = get(self.simple[0])
            if x is not None:
                self.measured = x if self.measured is None else self.worse(self.measured, x)
        if not ok:
            self.bad += 1
            self.first_bad = self.first_bad if self.first_bad is not None else ev.t_ns

    def verdict(self, end_ns: int) -> Verdict:
        self._flush()
        e, kind, bad, measured = self.e, self.kind, self.bad, self.measured
        unit = self.simple[0].unit if self.simple and self.worse else None
        if not self.count:
            return Verdict(e.name, True, f"no {kind} events (nothing to check)", None, unit)
        if self.worse is None:
            measured = float(bad)
        if bad:
            assert self.first_bad is not None
            return Verdict(e.name, False, f"{bad} of {self.count} {kind} events break it, first at "
                                          f"{self.first_bad / 1e9:.3f} s; worst {fmt(measured, unit)}", measured, unit)
        return Verdict(e.name, True, f"{self.count} {kind} events, worst {fmt(measured, unit)}", measured, unit)


class WithinJudge(_EventJudge):
    """`within W of each EVENT: cond`: from the state as of the event, true within W."""

    def __init__(self, e: Expectation) -> None:
        super().__init__(e)
        self.window_ns = round(e.scope.window_s * 1e9)
        self.instants = Instants(e.messages, self._instant)
        self.last: tuple[int, bool] | None = None  # the latest instant and whether cond held there
        self.open: list[EventLike] = []  # events still waiting for their condition
        self.worst: float | None = None
        self.missed: list[int] = []

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        self.instants.add(t_ns, name, signals)
        self._due(t_ns)

    def _instant(self, t: int) -> None:
        ok = bool(truth(self.e.cond, signal_lookup(self.instants.latest)))
        self.last = (t, ok)
        still = []
        for ev in self.open:
            if t > ev.t_ns + self.window_ns:
                self.missed.append(ev.t_ns)
            elif ok:
                self._hit(ev, t)
            else:
                still.append(ev)
        self.open = still

    def _hit(self, ev: EventLike, t: int) -> None:
        ms = max(0, t - ev.t_ns) / 1e6
        self.worst = ms if self.worst is None else max(self.worst, ms)

    def _judge(self, ev: EventLike) -> None:
        if self.last is not None and self.last[0] <= ev.t_ns and self.last[1]:
            self._hit(ev, self.last[0])  # already true as of the event
        else:
            self.open.append(ev)

    def verdict(self, end_ns: int) -> Verdict:
        if self.instants.pending is not None and self.instants.full and (
                self.last is None or self.last[0] != self.instants.pending):
            self._instant(self.instants.pending)  # the last instant: no later frame completed it
        self._flush()
        self.missed += [ev.t_ns for ev in self.open]
        self.open = []
        e, kind, worst = self.e, self.kind, self.worst
        if not self.count:
            return Verdict(e.name, True, f"no {kind} events (nothing to check)", None, "ms")
        if self.missed:
            return Verdict(e.name, False, f"{len(self.missed)} of {self.count} {kind} events not followed within "
                                          f"{self.window_ns / 1e6:g} ms, first at {min(self.missed) / 1e9:.3f} s",
                           worst, "ms")
        return Verdict(e.name, True, f"{self.count} {kind} events, slowest after {worst:g} ms", worst, "ms")
