"""SIGINT/SIGTERM as a stop request on the event loop; the previous handlers come back afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

_HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Counts each signal; the callback gets its name and how many stop signals came so far."""

    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None

    @contextlib.contextmanager
    def installed(self, loop: asyncio.AbstractEventLoop, on_signal: Callable[[str, int], None]) -> Iterator[None]:
        def handler(sig: signal.Signals) -> None:
            self.count += 1
            self.first = self.first or sig.name
            on_signal(sig.name, self.count)

        installed = []
        for sig in _HANDLED:
            try:
                loop.add_signal_handler(sig, handler, sig)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # not the main thread
                pass
        try:
            yield
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
