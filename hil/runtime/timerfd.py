"""An absolute-deadline timer the event loop can wait on: Linux timerfd (CLOCK_MONOTONIC).

asyncio's own timers go through epoll's millisecond timeout, so a wake-up can be up to a
millisecond late before Python even runs; a timerfd armed with TIMER_ABSTIME fires on the kernel's
high-resolution timer and wakes epoll within microseconds (the thread's timer slack is lowered to
1 µs while waiting). Python 3.11 has no os.timerfd_*, hence ctypes; `available()` is False on
other systems, where the clock falls back to asyncio.sleep plus a spin.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import sys

_CLOCK_MONOTONIC = 1
_TFD_CLOEXEC = 0o2000000
_TFD_NONBLOCK = 0o4000
_TFD_TIMER_ABSTIME = 1
_PR_SET_TIMERSLACK = 29
_PR_GET_TIMERSLACK = 30


class _Timespec(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long))


class _Itimerspec(ctypes.Structure):
    _fields_ = (("it_interval", _Timespec), ("it_value", _Timespec))


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def available() -> bool:
    return _LIBC is not None and hasattr(_LIBC, "timerfd_create")


def set_timer_slack(ns: int) -> int:
    """Set this thread's timer slack (how late the kernel may fire its timers); returns the old one."""
    if _LIBC is None:
        return 0
    old = int(_LIBC.prctl(_PR_GET_TIMERSLACK, 0, 0, 0, 0))
    _LIBC.prctl(_PR_SET_TIMERSLACK, ctypes.c_ulong(ns), 0, 0, 0)
    return old


class DeadlineTimer:
    """One timerfd on one event loop: `await timer.wait(monotonic_ns)` returns at that instant."""

    def __init__(self) -> None:
        assert _LIBC is not None
        fd = _LIBC.timerfd_create(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"timerfd_create: {os.strerror(err)}")
        self.fd = int(fd)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None

    def _arm(self, monotonic_ns: int) -> None:
        assert _LIBC is not None
        spec = _Itimerspec(_Timespec(0, 0), _Timespec(*divmod(max(monotonic_ns, 1), 1_000_000_000)))
        if _LIBC.timerfd_settime(self.fd, _TFD_TIMER_ABSTIME, ctypes.byref(spec), None) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"timerfd_settime: {os.strerror(err)}")

    def _fired(self) -> None:
        try:
            os.read(self.fd, 8)  # the expiry count; reading re-arms readiness
        except BlockingIOError:
            return  # spurious: a re-armed timer has not fired yet
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, monotonic_ns: int) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self.fd)
            loop.add_reader(self.fd, self._fired)
            self._loop = loop
        self._waiter = loop.create_future()
        self._arm(monotonic_ns)
        await self._waiter

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self.fd)
        self._loop = None
        os.close(self.fd)
