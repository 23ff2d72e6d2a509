"""Test player: plays the frames of nodes a rig does not emulate, from a second virtual bus.

Black-box controller tests emulate only the controller under test (e.g. `("HHB",)`) and let the
player stand in for DRV, ECM, ABS, TCU...: its own python-can `virtual` bus on the rig's
channel, its own `Codec` (own E2E counters), frames sent on their DBC cycle and interleaved
with `rig.advance(t)`. It can mute a message (timeouts) or corrupt frames after encoding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import can

from hil.bus.codec import Codec, Signals
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.timeline import Timeline
from tests.support import ROOT, prepared, unique_channel

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"
MS = 1_000_000


class Player:
    """Cyclic senders for chosen messages on the rig's channel, in the rig's virtual time."""

    def __init__(self, rig: Rig, channel: str, dbc: Path = DBC) -> None:
        self.rig = rig
        self.codec = Codec.load(dbc)
        self.bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
        self.values: dict[str, Signals] = {}
        self._next_ns: dict[str, int] = {}
        self._muted: set[str] = set()
        self._corrupt: dict[str, tuple[int, int]] = {}  # message -> (frames left, byte to flip)
        self.sent: dict[str, int] = {}

    # ---- script ------------------------------------------------------------------------

    def set(self, message: str, **signals: float) -> None:
        """Latest values of a cyclic message; the first call starts sending it at the next tick."""
        if message not in self.values:
            self.values[message] = {}
            self._next_ns[message] = self.rig.clock.now_ns()
        self.values[message].update(signals)

    def mute(self, message: str) -> None:
        """Stop sending `message` (the receivers will see it time out)."""
        self._muted.add(message)

    def unmute(self, message: str) -> None:
        self._muted.discard(message)
        self._next_ns[message] = max(self._next_ns[message], self.rig.clock.now_ns())

    def corrupt(self, message: str, frames: int = 1, byte: int = 0) -> None:
        """The next `frames` frames of `message` go out with `byte` flipped after E2E protection."""
        self._corrupt[message] = (frames, byte)

    def run_until(self, until_ns: int) -> None:
        """Send every frame due up to `until_ns`, each just before the rig steps at that instant."""
        while True:
            due = [t for m, t in self._next_ns.items() if m in self.values]
            t = min(due, default=until_ns + 1)
            if t > until_ns:
                break
            self.rig.advance(t - 1)
            for message in [m for m, tm in self._next_ns.items() if tm == t]:
                self._send(message, t)
                cycle = self.codec.specs[message].cycle_ns or 10 * MS
                self._next_ns[message] = t + cycle
        self.rig.advance(until_ns)

    def run_for(self, duration_ns: int) -> None:
        self.run_until(self.rig.clock.now_ns() + duration_ns)

    # ---- wire --------------------------------------------------------------------------

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

    def __enter__(self) -> Player:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@contextlib.contextmanager
def controller_rig(
    emulate: Iterable[str], *, calibration: Path | None = None, stage: Timeline | None = None,
) -> Iterator[tuple[Rig, Player, Trace]]:
    """A rig emulating only `emulate`, a player on the same channel, and a trace of every good frame."""
    channel = unique_channel()
    prep = prepared(calibration=calibration, emulate=tuple(emulate), channel=channel,
                    stage=stage or Timeline("player", 600 * 1_000_000_000))
    trace = Trace()
    with Rig(prep) as rig, Player(rig, channel) as player:
        rig.observe(trace)
        yield rig, player, trace
