"""The receive pump: one reader per bus feeding the event loop, errors counted not raised.

Buses with a file descriptor (socketcan, udp_multicast) are read from the loop's selector;
others (virtual, vendor drivers) from one thread that hands frames over thread-safely.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import can

from hil.bus.health import BusHealth


class ReceivePump:
    def __init__(self, bus: can.BusABC, health: BusHealth, on_frame: Callable[[can.Message], None]) -> None:
        self.bus = bus
        self.health = health
        self.on_frame = on_frame
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        try:
            fd = self.bus.fileno()
        except (NotImplementedError, AttributeError):
            fd = -1
        if fd >= 0:
            self._fd = fd
            loop.add_reader(fd, self._drain)
        else:
            self._thread = threading.Thread(target=self._run_thread, name="hil-rx-pump", daemon=True)
            self._thread.start()

    def _read(self, timeout: float) -> can.Message | None:
        try:
            return self.bus.recv(timeout)
        except (can.CanError, OSError) as exc:
            self.health.rx_errors += 1
            self.health.last_error = f"receive: {exc}"
            return None

    def _drain(self) -> None:
        # Selector said readable: take everything waiting, never block the loop.
        for _ in range(256):
            msg = self._read(0.0)
            if msg is None:
                return
            self.on_frame(msg)

    def _run_thread(self) -> None:
        assert self._loop is not None
        while not self._stop.is_set():
            msg = self._read(0.05)
            if msg is None:
                if self.health.rx_errors and self.health.last_error.startswith("receive"):
                    self._stop.wait(0.05)  # back off while the interface is gone
                continue
            try:
                self._loop.call_soon_threadsafe(self.on_frame, msg)
            except RuntimeError:  # loop closed during shutdown
                return

    def stop(self) -> None:
        """Stop reading (idempotent); frames still waiting stay on the bus for a final drain."""
        self._stop.set()
        if self._fd is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
            self._fd = None
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
