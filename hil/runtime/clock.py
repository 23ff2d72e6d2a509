"""One clock protocol, two clocks. Nothing else in d7xr-hil reads time.

Time is integer nanoseconds since the start of the session, so virtual runs are
bit-for-bit repeatable; the real-time clock schedules on absolute deadlines so cyclic
frames never drift, and records how late each wake-up was.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


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


class RealTimeClock:
    """Monotonic time; sleeps on the event loop, then spins the last stretch for precision.

    asyncio's timer rounds up to whole milliseconds on Linux, so waking `spin_ns` early and
    spinning keeps cyclic frames well under a millisecond late at a small CPU cost.
    """

    virtual = False

    def __init__(self, spin_ns: int = 1_500_000) -> None:
        self._t0 = time.monotonic_ns()
        self._wall0 = time.time()
        self.spin_ns = spin_ns
        self.lateness = LatenessStats()

    def now_ns(self) -> int:
        return time.monotonic_ns() - self._t0

    def wall_s(self, t_ns: int) -> float:
        return self._wall0 + t_ns / 1e9

    async def wait_until(self, t_ns: int) -> None:
        remaining = t_ns - self.now_ns()
        if remaining > self.spin_ns:
            await asyncio.sleep((remaining - self.spin_ns) / 1e9)
        else:
            # Late or nearly due: still yield once, or a session that cannot keep up starves the
            # loop (no receive pump, no SIGTERM handler, no other task) for as long as it lags.
            await asyncio.sleep(0)
        while self.now_ns() < t_ns:
            pass
        self.lateness.add(self.now_ns() - t_ns)
