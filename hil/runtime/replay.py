"""Raw frames a session sends byte for byte at their times: a recorded log replayed for the nodes
a rig does not emulate. Each source is one entry on the session's heap, always at its next frame."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RawFrame = tuple[int, int, bytes, bool]  # (t_ns from the session start, id, payload, extended)


@dataclass
class _Source:
    frames: list[RawFrame]
    next: int = 0


class RawSources:
    def __init__(self) -> None:
        self._sources: list[_Source] = []

    def add(self, frames: Iterable[RawFrame]) -> tuple[int, int] | None:
        """A new source: (its index, its first frame's time), or None if it has no frame."""
        source = _Source(sorted(frames, key=lambda f: f[0]))
        if not source.frames:
            return None
        self._sources.append(source)
        return len(self._sources) - 1, source.frames[0][0]

    def take(self, k: int, until_ns: int) -> tuple[list[RawFrame], int | None]:
        """Source k's frames due by `until_ns` (from the session start) and its next frame's time."""
        src = self._sources[k]
        frames, i = src.frames, src.next
        end = i
        while end < len(frames) and frames[end][0] <= until_ns:
            end += 1
        src.next = end
        return frames[i:end], frames[end][0] if end < len(frames) else None
