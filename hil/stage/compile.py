"""Turns timed commands (set, ramp, hold-and-return, surface patches) into Timeline breakpoints.

Commands are applied in time order; a later command on a channel overrides what an earlier
one still had pending (a ramp is cut where it had got to, a pending return is dropped).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from hil.stage.timeline import DRIVER_CHANNELS, WHEELS, WORLD_CHANNELS, Timeline

SURFACE = "surface"


@dataclass(frozen=True, slots=True)
class SurfacePatch:
    wheels: tuple[tuple[str, str], ...]  # (wheel, surface), only the wheels that change


@dataclass(frozen=True, slots=True)
class Command:
    """At `t_ns`, take `channel` to `value` (over `over_ns`); with `hold_ns`, return afterwards."""

    t_ns: int
    channel: str
    value: float
    over_ns: int = 0
    hold_ns: int | None = None
    release_ns: int = 0
    back: float | None = None  # value to return to (default: the value before the command)
    patch: SurfacePatch | None = None

    @classmethod
    def set(cls, t_ns: int, channel: str, value: float) -> Command:
        return cls(t_ns, channel, value)

    @classmethod
    def surface(cls, t_ns: int, patch: SurfacePatch) -> Command:
        return cls(t_ns, SURFACE, 0.0, patch=patch)

    @property
    def end_ns(self) -> int:
        return self.t_ns + self.over_ns + ((self.hold_ns or 0) + self.release_ns if self.hold_ns is not None else 0)


@dataclass(slots=True)
class _Channel:
    value: float
    gen: int = 0
    ramp: tuple[int, float, int, float] | None = None  # t0, v0, t1, v1

    def at(self, t: int) -> float:
        if self.ramp is not None and t < self.ramp[2]:
            t0, v0, t1, v1 = self.ramp
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
        return self.ramp[3] if self.ramp is not None else self.value


@dataclass
class Compiler:
    commands: list[Command] = field(default_factory=list)

    def add(self, cmd: Command) -> None:
        if cmd.channel != SURFACE and cmd.channel not in DRIVER_CHANNELS and cmd.channel not in WORLD_CHANNELS:
            raise KeyError(cmd.channel)
        self.commands.append(cmd)

    def size(self) -> int:
        return len(self.commands)

    def build(self, name: str, duration_ns: int) -> Timeline:
        tl = Timeline(name, duration_ns)
        chans: dict[str, _Channel] = {}
        surface = dict.fromkeys(WHEELS, "tarmac")
        # (t, order, kind, channel, value, gen, ramp_ns): kind 0 = command, 1 = follow-up
        ordered = sorted(self.commands, key=lambda c: c.t_ns)  # stable: same instant, file order
        heap = [(cmd.t_ns, i, 0, cmd.channel, 0.0, 0, 0) for i, cmd in enumerate(ordered)]
        order = len(heap)

        def chan(name: str) -> _Channel:
            if name not in chans:
                default = DRIVER_CHANNELS.get(name, WORLD_CHANNELS.get(name, 0.0))
                chans[name] = _Channel(default)
            return chans[name]

        def cut(c: _Channel, track_name: str, t: int) -> float:
            """Stop whatever the channel was doing at t; returns its value there."""
            v = c.at(t)
            if c.ramp is not None:  # close the ramp: where it got to, or its end if it finished
                tl.track(track_name).set(min(t, c.ramp[2]), v, ramp=True)
            c.ramp, c.value = None, v
            return v

        def go(c: _Channel, track_name: str, t: int, value: float, over: int) -> None:
            track = tl.track(track_name)
            if over > 0:
                track.set(t, c.value)
                c.ramp = (t, c.value, t + over, value)
                c.value = value
            else:
                track.set(t, value)
                c.value = value

        while heap:
            t, idx, kind, name, value, gen, ramp_ns = heapq.heappop(heap)
            if name == SURFACE:
                patch = ordered[idx].patch
                assert patch is not None
                surface.update(dict(patch.wheels))
                tl.surfaces.append((t, (surface["FL"], surface["FR"], surface["RL"], surface["RR"])))
                continue
            c = chan(name)
            if kind == 1:  # a return after a hold, unless a newer command took the channel
                if gen == c.gen:
                    cut(c, name, t)
                    go(c, name, t, value, ramp_ns)
                continue
            cmd = ordered[idx]
            before = cut(c, name, t)
            c.gen += 1
            go(c, name, t, cmd.value, cmd.over_ns)
            if cmd.hold_ns is not None:
                back = before if cmd.back is None else cmd.back
                heapq.heappush(heap, (t + cmd.over_ns + cmd.hold_ns, order, 1, name, back, c.gen, cmd.release_ns))
                order += 1
        for name, c in chans.items():
            if c.ramp is not None:
                cut(c, name, c.ramp[2])
        return tl
