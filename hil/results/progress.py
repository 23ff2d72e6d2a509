"""Progress of runs in simulated time: reported at most every ~250 ms of wall time.

Kept off the hot path: the wall clock is read once every 1,024 frames, not per frame. rich's
progress display is imported only when a display is made (`hil serve` never needs it).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from hil.bus.codec import MessageSpec, Signals

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

REPORT_EVERY_S = 0.25

Report = Callable[[int], None]  # simulated ns reached so far


class ProgressObserver:
    """Session observer for any run loop: looks at the wall clock once every `every_frames` frames."""

    __slots__ = ("_count", "_every_frames", "_every_s", "_last", "_report")

    def __init__(self, report: Report, every_frames: int = 1024, every_s: float = REPORT_EVERY_S) -> None:
        self._report = report
        self._every_frames = every_frames
        self._every_s = every_s
        self._count = 0
        self._last = time.monotonic()

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        self._count += 1
        if self._count >= self._every_frames:
            self._count = 0
            now = time.monotonic()
            if now - self._last >= self._every_s:
                self._last = now
                self._report(t_ns)


def make_progress(console: Console | None = None) -> Progress:
    """A rich progress display in simulated seconds; silent when stderr is not a terminal."""
    from rich.console import Console  # noqa: PLC0415 - loaded with the first display, not with the CLI
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    console = console or Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description:<24}"), BarColumn(),
        TextColumn("{task.completed:>7.1f}/{task.total:.1f} s simulated"), TimeElapsedColumn(),
        console=console, disable=not console.is_terminal, transient=False,
    )


@contextlib.contextmanager
def run_progress(label: str, total_ns: int, console: Console | None = None) -> Iterator[Report]:
    """A one-bar progress display for one run; yields the report callback."""
    with make_progress(console) as progress:
        task = progress.add_task(label, total=total_ns / 1e9)
        yield lambda t_ns: progress.update(task, completed=t_ns / 1e9)
