"""A decoded-frame trace: every good frame's signals with its bus time, for tests, KPIs and plots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hil.bus.codec import MessageSpec, Signals


@dataclass(slots=True)
class TraceFrame:
    t_ns: int
    name: str
    signals: Signals
    sent_here: bool


@dataclass
class Trace:
    """Session observer keeping decoded frames (optionally only some messages)."""

    only: frozenset[str] | None = None
    frames: list[TraceFrame] = field(default_factory=list)

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        if self.only is None or spec.name in self.only:
            self.frames.append(TraceFrame(t_ns, spec.name, sig, sent_here))

    def of(self, name: str) -> list[TraceFrame]:
        return [f for f in self.frames if f.name == name]

    def series(self, name: str, signal: str) -> list[tuple[int, float]]:
        return [(f.t_ns, f.signals[signal]) for f in self.frames if f.name == name]

    def first(self, name: str, pred: Callable[[Signals], bool], after_ns: int = -1) -> TraceFrame | None:
        """First frame of `name` after `after_ns` whose signals satisfy `pred`."""
        for f in self.frames:
            if f.name == name and f.t_ns > after_ns and pred(f.signals):
                return f
        return None
