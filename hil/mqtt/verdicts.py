"""Expectation verdicts for stages played through the bridge (`stage/start` or the rig's stage).

While a stage with expectations plays, the frames and events its checks read are kept in stage
time; when it has run its whole length they are evaluated and each verdict becomes an event.
"""

from __future__ import annotations

from hil.bus.codec import MessageSpec, Signals
from hil.results.events import Event
from hil.results.trace import Trace
from hil.stage.timeline import Timeline
from hil.stage.verdicts import Verdict, evaluate, messages_read


class StageRecording:
    """Session observer for one playing stage; times are shifted to the stage's own clock."""

    def __init__(self, timeline: Timeline, start_ns: int) -> None:
        self.timeline = timeline
        self.start_ns = start_ns
        self.trace = Trace(only=messages_read(timeline.expectations))
        self.events: list[Event] = []  # from the run's one event detector, in stage time

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        t = t_ns - self.start_ns
        if 0 <= t <= self.timeline.duration_ns:
            self.trace(t, spec, sig, sent_here)

    def on_event(self, event: Event) -> None:
        t = event.t_ns - self.start_ns
        if 0 <= t <= self.timeline.duration_ns:
            self.events.append(Event(event.kind, t, event.fields))

    def verdicts(self) -> list[Verdict]:
        return evaluate(self.timeline.expectations, self.trace, self.events, end_ns=self.timeline.duration_ns)
