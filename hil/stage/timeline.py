"""A stage compiled to per-channel breakpoints; sampling is pure and exact at every instant.

Channels hold step or linear segments on integer-nanosecond breakpoints. Driver channels
feed the DRV node; world channels (surface, grade) feed the plant directly, as on a car.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hil.bus.faults.spec import FaultSpec
    from hil.stage.expect import Expectation
    from hil.stage.replay import Replay

DRIVER_CHANNELS: dict[str, float] = {
    "accel_pct": 0.0,
    "brake_bar": 0.0,
    "paddle_up": 0.0,
    "paddle_down": 0.0,
    "selector": 3.0,  # DBC value table: P=0 R=1 N=2 D=3 M=4
    "handbrake_pct": 0.0,
    "centre_lock": 0.0,  # 0 AUTO, 1 LOCK
    "low_range": 0.0,
    "target_speed_kph": -1.0,  # < 0: no speed target, pedals as scripted
}
WORLD_CHANNELS: dict[str, float] = {
    "grade_pct": 0.0,
    "airborne_pct": 0.0,  # 100: all four wheels in the air
}
WHEELS: tuple[str, ...] = ("FL", "FR", "RL", "RR")


@dataclass
class Track:
    """Breakpoints of one channel: at times[i] the value becomes values[i]; ramps interpolate."""

    times: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    ramp: list[bool] = field(default_factory=list)  # ramp[i]: linear from point i-1 to i

    def set(self, t_ns: int, value: float, ramp: bool = False) -> None:
        if self.times and t_ns < self.times[-1]:
            raise ValueError("breakpoints must be added in time order")
        self.times.append(t_ns)
        self.values.append(value)
        self.ramp.append(ramp)

    def sample(self, t_ns: int, default: float) -> float:
        i = bisect.bisect_right(self.times, t_ns)
        if i < len(self.times) and self.ramp[i] and i > 0:
            t0, t1 = self.times[i - 1], self.times[i]
            v0, v1 = self.values[i - 1], self.values[i]
            return v0 + (v1 - v0) * (t_ns - t0) / (t1 - t0)
        return self.values[i - 1] if i > 0 else default


@dataclass
class Timeline:
    """A whole stage: driver and world tracks plus per-wheel surface changes.

    A stage file may also carry expectations (checked after the run) and a CAN log to replay.
    """

    name: str
    duration_ns: int
    tracks: dict[str, Track] = field(default_factory=dict)
    surfaces: list[tuple[int, tuple[str, str, str, str]]] = field(default_factory=list)
    expectations: tuple[Expectation, ...] = ()
    replay: Replay | None = None
    faults: tuple[FaultSpec, ...] = ()  # to inject, times from the stage start

    def track(self, channel: str) -> Track:
        if channel not in DRIVER_CHANNELS and channel not in WORLD_CHANNELS:
            raise KeyError(channel)
        return self.tracks.setdefault(channel, Track())

    def value(self, channel: str, t_ns: int) -> float:
        default = DRIVER_CHANNELS.get(channel, WORLD_CHANNELS.get(channel, 0.0))
        tr = self.tracks.get(channel)
        return default if tr is None else tr.sample(t_ns, default)

    def surface(self, t_ns: int) -> tuple[str, str, str, str]:
        i = bisect.bisect_right(self.surfaces, t_ns, key=lambda ts: ts[0])
        return self.surfaces[i - 1][1] if i > 0 else ("tarmac", "tarmac", "tarmac", "tarmac")


def standing_start(duration_s: float = 30.0) -> Timeline:
    """The embedded default stage: launch on tarmac, hold, lift, brake to a stop."""
    ns = 1_000_000_000
    tl = Timeline("standing_start", int(duration_s * ns))
    acc = tl.track("accel_pct")
    acc.set(0, 0.0)
    acc.set(min(ns, int(duration_s * 0.1 * ns)), 100.0)  # launch after 1 s (sooner on short stages)
    acc.set(int(duration_s * 0.55 * ns), 0.0)
    brk = tl.track("brake_bar")
    brk.set(0, 0.0)
    brk.set(int(duration_s * 0.6 * ns), 40.0)
    brk.set(int(duration_s * 0.6 * ns) + ns // 2, 60.0, ramp=True)
    return tl
