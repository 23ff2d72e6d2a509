"""A rig that emulates no node still lets time pass: it listens (and logs) until its end."""

from __future__ import annotations

from pathlib import Path

from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
from tests.support import prepared


async def test_a_virtual_rig_emulating_nothing_reaches_its_end(tmp_path: Path) -> None:
    prep = prepared(emulate=())
    async with Rig(prep, out=tmp_path, until_ns=2_000_000_000) as rig:
        outcome = await rig.run()
    assert (outcome.reason, outcome.reached_ns, outcome.interrupted) == ("completed", 2_000_000_000, False)


async def test_a_real_time_rig_emulating_nothing_listens_until_its_end(tmp_path: Path) -> None:
    prep = prepare(prepared(emulate=()).rig.with_flags(time="real"))
    async with Rig(prep, out=tmp_path, until_ns=300_000_000, mqtt=False) as rig:
        outcome = await rig.run()
    assert outcome.reason == "completed" and outcome.reached_ns >= 300_000_000
    assert outcome.wall_s >= 0.29, "it waited, not returned at once"
