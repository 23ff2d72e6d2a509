"""The fault kinds: small pure objects that turn one frame into the frames the wire carries.

`applies(frame, now_ns)` is called only for a frame the fault matches while it is active and
returns (send time, frame) pairs: none (dropped), the frame changed, later (delayed) or more
(repeated, inserted). Babble also produces frames of its own on a fixed grid of instants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hil.bus.e2e import COUNTER_MODULO, protect
from hil.bus.faults.spec import Direction, FaultSpec

Timed = tuple[int, "Frame"]
Patch = Callable[[bytes], bytes]  # sets signals' raw values, keeps every other bit


@dataclass(frozen=True, slots=True)
class Frame:
    frame_id: int
    data: bytes
    extended: bool = False


def _reprotect(frame: Frame, counter: int, data_id: int | None = None, data: bytes | None = None) -> Frame:
    """The frame with this E2E counter and a CRC that is valid for `data_id` (default: its own ID)."""
    payload = bytearray(frame.data if data is None else data)
    protect(payload, frame.frame_id if data_id is None else data_id, counter)
    return Frame(frame.frame_id, bytes(payload), frame.extended)


@dataclass(frozen=True, slots=True)
class Target:
    """What a fault acts on, resolved from the DBC and the rig."""

    ids: frozenset[int]
    direction: Direction
    e2e: bool  # the matched message carries the E2E header (CRC byte 0, counter byte 1)
    length: int  # the message's DBC length; kinds that rewrite bytes leave other lengths alone


class Fault:
    """Base: a window [start, end) in session time, the frame IDs it matches, a direction."""

    rewrites = False  # True: changes bytes inside the frame, so only frames of the DBC length

    def __init__(self, fault_id: str, spec: FaultSpec, target: Target, start_ns: int) -> None:
        self.fault_id = fault_id
        self.spec = spec
        self.ids = target.ids
        self.direction = target.direction
        self.e2e = target.e2e
        self.length = target.length
        self.start_ns = start_ns
        self.end_ns: int | None = None if spec.for_ns is None else start_ns + spec.for_ns

    def clear(self, now_ns: int) -> None:
        """Cleared early: inactive from `now_ns` on (a fault not started yet never starts)."""
        if self.end_ns is None or now_ns < self.end_ns:
            self.end_ns = max(now_ns, self.start_ns)

    def active(self, now_ns: int) -> bool:
        return self.start_ns <= now_ns and (self.end_ns is None or now_ns < self.end_ns)

    def matches(self, frame: Frame) -> bool:
        """A frame this fault acts on (an odd-length one on the ID passes rewriting kinds as it is)."""
        return (not frame.extended and frame.frame_id in self.ids
                and (not self.rewrites or len(frame.data) == self.length))

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        return [(now_ns, frame)]

    def next_frame_ns(self) -> int | None:
        """When this fault next produces a frame of its own (babble), if ever."""
        return None

    def generate(self, now_ns: int) -> list[Frame]:
        return []

    def _patched(self, frame: Frame, patch: Patch) -> Frame:
        data = patch(frame.data)
        return _reprotect(frame, frame.data[1] & 0x0F, data=data) if self.e2e else Frame(
            frame.frame_id, data, frame.extended)


class Drop(Fault):
    """Loss of information: the frame never reaches the other side. `silence` is a drop of every
    message a node sends."""

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        return []


class Delay(Fault):
    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        assert self.spec.delay_ns is not None
        return [(now_ns + self.spec.delay_ns, frame)]


class Repeat(Fault):
    """The same bytes again (counter not advanced): a receiver must see REPEATED, not new data."""

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        return [(now_ns, frame)] * (1 + (self.spec.count or 1))


class CounterSkip(Fault):
    """Every frame's counter runs `skip` ahead of the previous one's: each is a wrong sequence."""

    rewrites = True

    def __init__(self, fault_id: str, spec: FaultSpec, target: Target, start_ns: int) -> None:
        super().__init__(fault_id, spec, target, start_ns)
        self._sent = 0

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        self._sent += 1
        extra = self._sent * ((self.spec.skip or 3) - 1)
        counter = ((frame.data[1] & 0x0F) + extra) % COUNTER_MODULO
        return [(now_ns, _reprotect(frame, counter))]


class BadCrc(Fault):
    """Corruption: the CRC byte inverted, which no CRC-8 can match."""

    rewrites = True

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        return [(now_ns, Frame(frame.frame_id, bytes((frame.data[0] ^ 0xFF,)) + frame.data[1:], frame.extended))]


class BadDataId(Fault):
    """Masquerade: a CRC valid for another Data ID, as if another message carried this ID."""

    rewrites = True

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        data_id = self.spec.data_id if self.spec.data_id is not None else frame.frame_id ^ 0x400
        return [(now_ns, _reprotect(frame, frame.data[1] & 0x0F, data_id=data_id))]


class Stuck(Fault):
    """A signal frozen at a value (or, for out_of_range, at a raw value outside its DBC range)
    with the E2E header still valid: only a plausibility check can catch it."""

    rewrites = True

    def __init__(self, fault_id: str, spec: FaultSpec, target: Target, start_ns: int, patch: Patch) -> None:
        super().__init__(fault_id, spec, target, start_ns)
        self.patch = patch

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        return [(now_ns, self._patched(frame, self.patch))]


class Insert(Fault):
    """Spurious extra frames right after each genuine one: by default a copy with the next counter
    and a valid CRC (a plausible extra frame), with `signal`=`value` written in, or raw `data`."""

    rewrites = True

    def __init__(self, fault_id: str, spec: FaultSpec, target: Target, start_ns: int,
                 *, patch: Patch | None, data: bytes | None) -> None:
        super().__init__(fault_id, spec, target, start_ns)
        self.patch = patch
        self.data = data

    def applies(self, frame: Frame, now_ns: int) -> list[Timed]:
        out: list[Timed] = [(now_ns, frame)]
        for k in range(1, (self.spec.count or 1) + 1):
            if self.data is not None:
                extra = Frame(frame.frame_id, self.data, frame.extended)
            else:
                data = self.patch(frame.data) if self.patch is not None else frame.data
                extra = (_reprotect(frame, (frame.data[1] & 0x0F) + k, data=data) if self.e2e
                         else Frame(frame.frame_id, data, frame.extended))
            out.append((now_ns, extra))
        return out


class Babble(Fault):
    """A babbling node: one ID flooded at `rate` frames/s on a fixed grid from the start."""

    def __init__(self, fault_id: str, spec: FaultSpec, target: Target, start_ns: int, payload: bytes) -> None:
        super().__init__(fault_id, spec, target, start_ns)
        self.payload = payload
        self.period_ns = max(1, round(1e9 / (self.spec.rate or 1000.0)))
        self._next_ns = self.start_ns
        (self._frame_id,) = sorted(self.ids)

    def next_frame_ns(self) -> int | None:
        if self.end_ns is not None and self._next_ns >= self.end_ns:
            return None
        return self._next_ns

    def generate(self, now_ns: int) -> list[Frame]:
        out: list[Frame] = []
        while (nxt := self.next_frame_ns()) is not None and nxt <= now_ns:
            out.append(Frame(self._frame_id, self.payload))
            self._next_ns += self.period_ns
        return out
