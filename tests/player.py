"""Test player: the pytest plugin's BusPlayer (hil.testing.player), plus the rigs the project's tests use.

Black-box controller tests emulate only the controller under test (e.g. `("HHB",)`) and let the
player stand in for DRV, ECM, ABS, TCU...: its own python-can `virtual` bus on the rig's
channel, its own `Codec` (own E2E counters), frames sent on their DBC cycle and interleaved
with `rig.advance(t)`. It can mute a message (timeouts) or corrupt frames after encoding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.timeline import Timeline
from hil.testing.player import BusPlayer
from tests.support import ROOT, prepared, unique_channel

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"
MS = 1_000_000


class Player(BusPlayer):
    """The plugin's BusPlayer (hil.testing), as the project's own tests have always built it."""

    def __init__(self, rig: Rig, channel: str, dbc: Path = DBC) -> None:
        super().__init__(rig, dbc, channel)


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
