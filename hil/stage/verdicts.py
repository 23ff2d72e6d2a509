"""Judges a stage's expectations as the run goes: a frame observer and event listener that keeps
only what the checks still need (latest values, running aggregates, events awaiting their window),
so a run of any length is judged in flat memory. One Verdict per expectation at the end.

The scopes live in hil/stage/judges.py and segments.py, the condition helpers in conditions.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hil.bus.codec import MessageSpec, Signals
from hil.results.trace import Trace
from hil.stage.conditions import EventLike, Verdict
from hil.stage.expect import Expectation
from hil.stage.judges import EveryJudge, InstantsJudge, Judge, WithinJudge
from hil.stage.segments import ODOMETER_MESSAGE, Odometer, WindowJudge

__all__ = ["Verdict", "Verdicts", "evaluate", "messages_read"]


class Verdicts:
    """Streams frames and events into one judge per expectation; `verdicts()` once at the end.

    `end_ns` is the end of the stage (segments ending at "end", time bounds past it); None: the
    last frame seen. Events must reach `on_event` no later than the first frame after their time
    (the run's event detector emits them on the frame that causes them).
    """

    def __init__(self, expectations: Iterable[Expectation], *, start_ns: int = 0, end_ns: int | None = None) -> None:
        self.start_ns, self.end_ns = start_ns, end_ns
        self.judges: list[Judge] = [_judge(e, start_ns, end_ns) for e in expectations]
        self._windows = [j for j in self.judges if isinstance(j, WindowJudge)]
        self._odometer = Odometer() if self._windows else None
        self._by_message: dict[str, list[Judge]] = {}
        for j in self.judges:
            for m in j.messages:
                self._by_message.setdefault(m, []).append(j)
        self.messages = frozenset(self._by_message) | ({ODOMETER_MESSAGE} if self._odometer else frozenset())
        self._last_ns: int | None = None
        self._verdicts: list[Verdict] | None = None

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        """Frame observer (the Rig calls it with every good frame)."""
        if spec.name in self.messages:
            self.frame(t_ns, spec.name, sig)

    def frame(self, t_ns: int, name: str, signals: Signals) -> None:
        self._last_ns = t_ns
        odo = self._odometer
        if odo is not None and name == ODOMETER_MESSAGE:
            odo.frame(t_ns, signals)
            for w in self._windows:
                w.odometer(t_ns, odo.metres)
        for j in self._by_message.get(name, ()):
            j.frame(t_ns, name, signals)

    def on_event(self, ev: EventLike) -> None:
        for j in self.judges:
            j.event(ev)

    def verdicts(self) -> list[Verdict]:
        """The verdicts, judged once (the frames and events after the first call are ignored)."""
        if self._verdicts is None:
            last = self._last_ns if self._last_ns is not None else self.start_ns
            end = self.end_ns if self.end_ns is not None else last
            self._verdicts = [j.verdict(end) for j in self.judges]
        return self._verdicts


def _judge(e: Expectation, start_ns: int, end_ns: int | None) -> Judge:
    kind = e.scope.kind
    if kind in ("always", "never", "eventually"):
        return InstantsJudge(e)
    if kind == "every":
        return EveryJudge(e)
    if kind == "within":
        return WithinJudge(e)
    return WindowJudge(e, start_ns, end_ns)


def messages_read(expectations: Iterable[Expectation]) -> frozenset[str]:
    """The messages a trace must keep for these checks (`Trace(only=...)` for `evaluate`)."""
    return frozenset(m for e in expectations for m in e.messages)


def evaluate(
    expectations: Iterable[Expectation], trace: Trace, events: Sequence[EventLike],
    *, start_ns: int = 0, end_ns: int | None = None,
) -> list[Verdict]:
    """A verdict per expectation over a recorded trace, in order. `end_ns` defaults to the last
    frame's time. The same judges as a live run: the trace is replayed with the events in time order."""
    judge = Verdicts(expectations, start_ns=start_ns, end_ns=end_ns)
    pending = sorted(events, key=lambda ev: ev.t_ns)
    i = 0
    for f in trace.frames:
        while i < len(pending) and pending[i].t_ns <= f.t_ns:
            judge.on_event(pending[i])
            i += 1
        judge.frame(f.t_ns, f.name, f.signals)
    for ev in pending[i:]:
        judge.on_event(ev)
    return judge.verdicts()
