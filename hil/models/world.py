"""What the driver and plant models read of a stage: channel values and the surface under each wheel.

The stage package implements it (`Timeline`, `StagePlayer`); the models only know this shape, so
they stay below the stage grammar and its loaders.
"""

from __future__ import annotations

from typing import Protocol

SURFACES: tuple[str, ...] = ("tarmac", "gravel", "hard_sand", "soft_sand", "mud")


class StageSource(Protocol):
    """Channel values (pedals, paddles, grade, ...) and surfaces (FL, FR, RL, RR) at an instant."""

    def value(self, channel: str, t_ns: int) -> float: ...

    def surface(self, t_ns: int) -> tuple[str, str, str, str]: ...
