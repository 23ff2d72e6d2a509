"""A stage player: the timeline the driver and plant sample, swappable while a session runs.

Same `value(channel, t_ns)` / `surface(t_ns)` interface as `Timeline`; it plays the current
timeline relative to its start time and gives the channel defaults when idle (stopped).
"""

from __future__ import annotations

from hil.models.world import StageSource
from hil.stage.timeline import DRIVER_CHANNELS, WORLD_CHANNELS, Timeline

IDLE_SURFACE: tuple[str, str, str, str] = ("tarmac", "tarmac", "tarmac", "tarmac")


__all__ = ["IDLE_SURFACE", "StagePlayer", "StageSource"]


class StagePlayer:
    """Plays one timeline at a time. Pure bookkeeping: the caller passes every instant."""

    def __init__(self, timeline: Timeline | None = None, start_ns: int = 0) -> None:
        self.timeline = timeline
        self.start_ns = start_ns

    @property
    def playing(self) -> bool:
        return self.timeline is not None

    def start(self, timeline: Timeline, now_ns: int) -> None:
        """Play `timeline` from `now_ns` (replaces whatever was playing)."""
        self.timeline = timeline
        self.start_ns = now_ns

    def stop(self) -> None:
        """Idle: every channel at its default, tarmac everywhere."""
        self.timeline = None

    def elapsed_ns(self, now_ns: int) -> int:
        return max(0, now_ns - self.start_ns) if self.timeline is not None else 0

    def finished(self, now_ns: int) -> bool:
        """The playing stage has run its whole length (it keeps its last values until stopped)."""
        return self.timeline is not None and now_ns - self.start_ns >= self.timeline.duration_ns

    def value(self, channel: str, t_ns: int) -> float:
        if self.timeline is None:
            return DRIVER_CHANNELS.get(channel, WORLD_CHANNELS.get(channel, 0.0))
        return self.timeline.value(channel, t_ns - self.start_ns)

    def surface(self, t_ns: int) -> tuple[str, str, str, str]:
        if self.timeline is None:
            return IDLE_SURFACE
        return self.timeline.surface(t_ns - self.start_ns)
