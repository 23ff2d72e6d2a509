"""One clock protocol, two clocks. Nothing else in d7xr-hil reads time.

Time is integer nanoseconds since the start of the session, so virtual runs are
bit-for-bit repeatable; the real-time clock schedules on absolute deadlines so cyclic
frames never drift, and records how late each wake-up was.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from hil.runtime import timerfd


class Clock(Protocol):
    virtual: bool

    def now_ns(self) -> int: ...

    def wall_s(self, t_ns: int) -> float:
        """The timestamp a frame sent at `t_ns` carries in the CAN log."""
        ...

    async def wait_until(self, t_ns: int) -> None: ...


class VirtualClock:
    """Discrete-event time: waiting jumps straight to the deadline."""

    virtual = True

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._since_yield = 0

    def now_ns(self) -> int:
        return self._now

    def wall_s(self, t_ns: int) -> float:
        return t_ns / 1e9

    def advance_to(self, t_ns: int) -> None:
        if t_ns < self._now:
            raise ValueError(f"virtual time cannot go back ({t_ns} < {self._now})")
        self._now = t_ns

    async def wait_until(self, t_ns: int) -> None:
        self.advance_to(t_ns)
        # Let other tasks (MQTT, progress, signals) run now and then without slowing the loop.
        self._since_yield += 1
        if self._since_yield >= 256:
            self._since_yield = 0
            await asyncio.sleep(0)


class LatenessStats:
    """Wake-up lateness against absolute deadlines, in nanoseconds."""

    def __init__(self, keep: int = 200_000) -> None:
        self.samples: list[int] = []
        self.keep = keep
        self.count = 0
        self.max_ns = 0

    def add(self, late_ns: int) -> None:
        self.count += 1
        self.max_ns = max(self.max_ns, late_ns)
        if len(self.samples) < self.keep:
            self.samples.append(late_ns)

    def summary_ms(self) -> dict[str, float]:
        if not self.samples:
            return {"count": 0, "median": 0.0, "p99": 0.0, "max": 0.0}
        s = sorted(self.samples)
        return {
            "count": float(self.count),
            "median": s[len(s) // 2] / 1e6,
            "p99": s[min(len(s) - 1, int(len(s) * 0.99))] / 1e6,
            "max": self.max_ns / 1e6,
        }


_MAX_WAKE_NS = 1_000_000  # never set the timer more than this early for the loop's wake-up
_WAKE_STEP_NS = 2_000


class RealTimeClock:
    """Monotonic time; sleeps to absolute deadlines on a timerfd (Linux), spins the last stretch.

    The timerfd wakes the event loop within microseconds of the deadline, where asyncio's own
    timer rounds up to whole milliseconds; without one (not Linux) it sleeps on the loop and needs
    a longer spin (`spin_ns`, CPU for precision). The timer is opened on the first wait and
    closed by `close()` (the session's real-time run does both).
    """

    virtual = False

    def __init__(self, spin_ns: int = 0) -> None:
        self._t0 = time.monotonic_ns()
        self._wall0 = time.time()
        self._timer: timerfd.DeadlineTimer | None = None
        self.spin_ns = spin_ns if timerfd.available() else max(spin_ns, 1_500_000)
        # How long the loop takes from the timer firing to this coroutine running again (learnt as
        # it goes): the timer is set that much early and the rest is spun, so the wake-up lands
        # on the deadline at the cost of spinning only the jitter.
        self.wake_ns = 0
        self.lateness = LatenessStats()

    def now_ns(self) -> int:
        return time.monotonic_ns() - self._t0

    def wall_s(self, t_ns: int) -> float:
        return self._wall0 + t_ns / 1e9

    def restart_at(self, t_ns: int) -> None:
        """Make now `t_ns`: a run's first deadline is when it really starts (building the rig,
        the first garbage collection and the like are not lateness)."""
        shift = time.monotonic_ns() - self._t0 - t_ns
        self._t0 += shift
        self._wall0 += shift / 1e9

    def until_ns(self, t_ns: int) -> int:
        """Nanoseconds left until `t_ns` (negative once it has passed)."""
        return t_ns - self.now_ns()

    async def wait_until(self, t_ns: int) -> None:
        remaining = t_ns - self.now_ns()
        if remaining > self.spin_ns:
            if timerfd.available():
                if self._timer is None:
                    self._timer = timerfd.DeadlineTimer()
                wake = t_ns - self.spin_ns - self.wake_ns
                await self._timer.wait(self._t0 + wake)
                # a running median (a step towards each sample): one preempted wake-up must not
                # make every later one spin
                self.wake_ns += _WAKE_STEP_NS if self.now_ns() - wake > self.wake_ns else -_WAKE_STEP_NS
                self.wake_ns = min(max(self.wake_ns, 0), _MAX_WAKE_NS)
            else:
                await asyncio.sleep((remaining - self.spin_ns) / 1e9)
        else:
            # Late or nearly due: still yield once, or a session that cannot keep up starves the
            # loop (no receive pump, no SIGTERM handler, no other task) for as long as it lags.
            await asyncio.sleep(0)
        while self.now_ns() < t_ns:
            pass
        self.lateness.add(self.now_ns() - t_ns)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.close()
            self._timer = None
