"""How a run ended: how far it got, whether that was its end, and why it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Exit codes of a run stopped by a signal, as shells report them (128 + signal number).
SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143}


@dataclass(frozen=True)
class RunOutcome:
    reached_ns: int             # clock time the run got to
    target_ns: int | None       # where it was meant to end (None: until stopped, as `hil serve`)
    stage_end_ns: int           # the stage's own length: expectations speak of the whole stage
    reason: str                 # "completed", "stopped", "SIGINT", "SIGTERM", "cancelled", "error: ..."
    wall_s: float = 0.0

    @property
    def interrupted(self) -> bool:
        """Meant to end somewhere and did not get there."""
        return self.target_ns is not None and self.reached_ns < self.target_ns

    @property
    def reached_stage_end(self) -> bool:
        return self.reached_ns >= self.stage_end_ns

    @property
    def signal_exit_code(self) -> int | None:
        return SIGNAL_EXIT.get(self.reason)

    def as_json(self) -> dict[str, Any]:
        return {
            "simulated_s": self.reached_ns / 1e9,
            "target_s": None if self.target_ns is None else self.target_ns / 1e9,
            "interrupted": self.interrupted,
            "reason": self.reason,
            "judged": self.reached_stage_end,
        }
