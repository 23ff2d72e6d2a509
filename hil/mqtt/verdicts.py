"""Expectation verdicts for stages played through the bridge (`stage/start` or the rig's stage).

While a stage with expectations plays, its checks are judged as frames and events pass, in stage
time (nothing of the trace is kept); when it has run its whole length each verdict becomes an event.
"""

from __future__ import annotations

from hil.bus.codec import MessageSpec, Signals
from hil.results.events import Event
from hil.stage.timeline import Timeline
from hil.stage.verdicts import Verdict, Verdicts


class StageRecording:
    """Session observer for one playing stage; times are shifted to the stage's own clock."""

    def __init__(self, timeline: Timeline, start_ns: int) -> None:
        self.timeline = timeline
        self.start_ns = start_ns
        self.judge = Verdicts(timeline.expectations, end_ns=timeline.duration_ns)

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        t = t_ns - self.start_ns
        if 0 <= t <= self.timeline.duration_ns:
            self.judge(t, spec, sig, sent_here)

    def on_event(self, event: Event) -> None:
        t = event.t_ns - self.start_ns
        if 0 <= t <= self.timeline.duration_ns:  # from the run's one event detector, in stage time
            self.judge.on_event(Event(event.kind, t, event.fields))

    def verdicts(self) -> list[Verdict]:
        return self.judge.verdicts()
