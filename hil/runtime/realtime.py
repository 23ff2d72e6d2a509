"""What a real-time run does to its process while it runs, and undoes afterwards.

- Garbage collection is held off inside the cycle: everything built before the first cycle is
  frozen (gc.freeze: the oldest generation stays out of every collection, so a full collection no
  longer walks cantools' and pydantic's objects for tens of milliseconds); automatic collection is
  off and the generations are collected by hand in the slack after a cycle, as the thresholds ask.
- Optional, where permitted: SCHED_FIFO at a priority (the process then preempts every normal
  process on a busy machine; the kernel's RT throttling still keeps 5 % for others) and
  mlockall (no page faults in the cycle). Refused (not root, no CAP_SYS_NICE / RLIMIT_MEMLOCK):
  one warning, the run goes on without.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hil.runtime import timerfd
from hil.runtime.clock import RealTimeClock

_MCL_CURRENT, _MCL_FUTURE = 1, 2
_GC_SLACK_NS = 2_000_000  # collect garbage after a cycle only with this much time to spare


@dataclass(frozen=True)
class RealtimeSettings:
    spin_ns: int = 0  # spin this long before each deadline (CPU for precision)
    fifo_priority: int = 0  # SCHED_FIFO priority 1..99; 0: the normal scheduler
    lock_memory: bool = False  # mlockall(MCL_CURRENT | MCL_FUTURE)


def collect_in_slack() -> None:
    """Collect what the thresholds say is due (youngest first), now that the cycle is done."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    generation = -1
    for g in range(3):
        if thresholds[g] and counts[g] >= thresholds[g]:
            generation = g
    if generation >= 0:
        gc.collect(generation)


@contextlib.contextmanager
def realtime_process(settings: RealtimeSettings, warn: Callable[[str], None]) -> Iterator[None]:
    """Hold the process in real-time shape for the `with` block; everything is restored after."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_gc_held_off())
        old_slack = timerfd.set_timer_slack(1_000)
        stack.callback(timerfd.set_timer_slack, old_slack)
        if settings.fifo_priority:
            _fifo(stack, settings.fifo_priority, warn)
        if settings.lock_memory:
            _lock_memory(stack, warn)
        yield


@contextlib.contextmanager
def _gc_held_off() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _fifo(stack: contextlib.ExitStack, priority: int, warn: Callable[[str], None]) -> None:
    """Every thread of the process (the receive pump's too: a normal thread holding the GIL while
    the machine is busy would stall the real-time one), and threads started later inherit it."""
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
        for tid in tids:
            policy, param = os.sched_getscheduler(tid), os.sched_getparam(tid)
            os.sched_setscheduler(tid, os.SCHED_FIFO, os.sched_param(priority))
            stack.callback(_restore, tid, policy, param)
    except (OSError, AttributeError) as exc:
        warn(f"real time: SCHED_FIFO {priority} refused ({exc}); running on the normal scheduler")


def _restore(tid: int, policy: int, param: os.sched_param) -> None:
    with contextlib.suppress(OSError):  # the thread may have ended
        os.sched_setscheduler(tid, policy, param)


def _lock_memory(stack: contextlib.ExitStack, warn: Callable[[str], None]) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mlockall(_MCL_CURRENT | _MCL_FUTURE) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except (OSError, AttributeError) as exc:
        warn(f"real time: mlockall refused ({exc}); memory may be paged")
        return
    stack.callback(libc.munlockall)


async def run_cycles(clock: RealTimeClock, heap: list[tuple[int, int]], run_due: Callable[[int], None],
                     until_ns: int | None, stop: asyncio.Event) -> None:
    """Wake at each deadline on the heap of (deadline, order), run everything due by then back
    to back (the cycle's frames leave together; the pump's frames wait for the end of the cycle),
    then collect garbage if the next deadline leaves time for it."""
    while heap and not stop.is_set():
        t = heap[0][0]
        if until_ns is not None and t > until_ns:
            break
        await clock.wait_until(t)
        while heap and heap[0][0] <= t:
            run_due(heap[0][0])
        if heap and clock.until_ns(heap[0][0]) > _GC_SLACK_NS:
            collect_in_slack()
