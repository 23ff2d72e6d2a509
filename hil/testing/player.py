"""A bus player for tests: plays the frames of the nodes a rig does not emulate and expects frames back, by DBC name.

It joins the rig's python-can `virtual` channel as a second participant with its own codec (own E2E
counters), sends each message on its DBC cycle interleaved with the rig's virtual time, and sees every
good frame the rig sees. It can mute a message (its receivers time out) or corrupt frames after E2E.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import TracebackType

import can

from hil.bus.codec import Codec, Signals
from hil.errors import UsageError
from hil.results.trace import Trace, TraceFrame
from hil.runtime.rig import Rig

MS = 1_000_000
_S = 1_000_000_000


class BusPlayer:
    """Cyclic senders for chosen messages on the rig's channel, in the rig's virtual time."""

    def __init__(self, rig: Rig, dbc: Path | None = None, channel: str | None = None) -> None:
        bus = rig.prepared.rig.spec.bus
        if bus.get("interface") != "virtual" or not rig.clock.virtual:
            raise UsageError("a BusPlayer needs a rig on python-can's 'virtual' bus in virtual time")
        self.rig = rig
        self.codec = Codec.load(dbc or rig.prepared.rig.dbc_path)
        self.bus = can.Bus(interface="virtual", channel=channel or bus["channel"], preserve_timestamps=True)
        self.trace = Trace()  # every good frame the rig sees: its own and the player's
        rig.observe(self.trace)
        self.values: dict[str, Signals] = {}
        self._next_ns: dict[str, int] = {}
        self._muted: set[str] = set()
        self._corrupt: dict[str, tuple[int, int]] = {}  # message -> (frames left, byte to flip)
        self.sent: dict[str, int] = {}

    # ---- what to send ------------------------------------------------------------------------

    def set(self, message: str, **signals: float | str) -> None:
        """Latest values of a cyclic message (enums by number or DBC name); the first call starts sending it."""
        if message not in self.codec.specs:
            raise UsageError(f"no message {message!r} in {self.rig.prepared.rig.dbc_path.name}")
        if message not in self.values:
            self.values[message] = {}
            self._next_ns[message] = self.rig.clock.now_ns()
        self.values[message].update({k: self._number(message, k, v) for k, v in signals.items()})

    def mute(self, message: str) -> None:
        """Stop sending `message` (its receivers will see it time out)."""
        self._muted.add(message)

    def unmute(self, message: str) -> None:
        self._muted.discard(message)
        self._next_ns[message] = max(self._next_ns[message], self.rig.clock.now_ns())

    def corrupt(self, message: str, frames: int = 1, byte: int = 0) -> None:
        """The next `frames` frames of `message` go out with `byte` flipped after E2E protection."""
        self._corrupt[message] = (frames, byte)

    # ---- time ----------------------------------------------------------------------------------

    def run_until(self, until_ns: int) -> None:
        """Send every frame due up to `until_ns`, each just before the rig steps at that instant."""
        while True:
            t = min((t for m, t in self._next_ns.items() if m in self.values), default=until_ns + 1)
            if t > until_ns:
                break
            self.rig.advance(t - 1)
            for message in [m for m, tm in self._next_ns.items() if tm == t]:
                self._send(message, t)
                self._next_ns[message] = t + (self.codec.specs[message].cycle_ns or 10 * MS)
        self.rig.advance(until_ns)

    def run_for(self, duration_ns: int) -> None:
        self.run_until(self.rig.clock.now_ns() + duration_ns)

    def run_s(self, seconds: float) -> None:
        """Play and step for `seconds` of virtual time."""
        self.run_for(round(seconds * _S))

    # ---- what came back --------------------------------------------------------------------------

    def latest(self, message: str) -> Signals:
        """The last good frame of `message` the rig saw (KeyError naming it when there was none)."""
        frames = self.trace.of(message)
        if not frames:
            raise KeyError(f"no {message} frame seen yet")
        return frames[-1].signals

    def expect(self, message: str, *, within_s: float = 1.0, **signals: float | str) -> TraceFrame:
        """Play and step until a frame of `message` carries these values (enums by DBC name or number).

        Returns that frame; AssertionError saying what was seen instead if none does within `within_s`.
        """
        want = {k: self._number(message, k, v) for k, v in signals.items()}
        start = self.rig.clock.now_ns()
        seen = len(self.trace.frames)
        deadline = start + round(within_s * _S)
        while True:
            for frame in self.trace.frames[seen:]:
                if frame.name == message and all(math.isclose(frame.signals[k], v, abs_tol=1e-6)
                                                  for k, v in want.items()):
                    return frame
            seen = len(self.trace.frames)
            now = self.rig.clock.now_ns()
            if now >= deadline:
                raise AssertionError(self._missed(message, want, start, now))
            self.run_until(min(now + 10 * MS, deadline))

    def _missed(self, message: str, want: Signals, start: int, now: int) -> str:
        wanted = ", ".join(f"{k}={self._label(message, k, v)}" for k, v in want.items())
        frames = [f for f in self.trace.of(message) if f.t_ns >= start]
        head = f"no {message} with {wanted} between {start / _S:.3f} s and {now / _S:.3f} s"
        if not frames:
            return f"{head}: no {message} frame at all (is its sender emulated, or timed out?)"
        last = frames[-1].signals
        got = ", ".join(f"{k}={self._label(message, k, last[k])}" for k in want)
        return f"{head} ({len(frames)} frames); the last had {got}"

    def _number(self, message: str, signal: str, value: float | str) -> float:
        spec = self.codec.specs[message]
        if signal not in spec.signals:
            raise UsageError(f"no signal {signal!r} in {message} (has: {', '.join(spec.signals)})")
        if isinstance(value, str):
            table = {name: raw for raw, name in spec.choices.get(signal, {}).items()}
            if value not in table:
                raise UsageError(f"{message}.{signal}: no value {value!r} (one of: {', '.join(table)})")
            return float(table[value])
        return float(value)

    def _label(self, message: str, signal: str, value: float) -> str:
        name = self.codec.specs[message].choices.get(signal, {}).get(int(value)) if value == int(value) else None
        return f"{name} ({value:g})" if name is not None else f"{value:g}"

    # ---- wire -------------------------------------------------------------------------------------

    def _send(self, message: str, t_ns: int) -> None:
        if message in self._muted:
            return
        frame_id, data = self.codec.encode(message, self.values[message])
        left, byte = self._corrupt.get(message, (0, 0))
        if left > 0:
            payload = bytearray(data)
            payload[byte] ^= 0xFF
            data = bytes(payload)
            self._corrupt[message] = (left - 1, byte)
        self.bus.send(can.Message(arbitration_id=frame_id, data=data, is_extended_id=False, timestamp=t_ns / 1e9))
        self.sent[message] = self.sent.get(message, 0) + 1

    def close(self) -> None:
        self.bus.shutdown()

    def __enter__(self) -> BusPlayer:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
