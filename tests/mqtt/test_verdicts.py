"""Expectation verdicts of a stage played through the bridge arrive as events, once, at its end."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.bus.codec import Codec
from hil.stage.loader import load_stage
from tests.mqtt.conftest import Broker
from tests.mqtt.support import S, bridged, mqtt_rig, recorder, until
from tests.support import ROOT

pytestmark = pytest.mark.mqtt
P = "hil/virtual"


async def test_a_completed_stage_publishes_one_verdict_per_expectation(broker: Broker, tmp_path: Path) -> None:
    stage_file = tmp_path / "check.yaml"
    stage_file.write_text(
        "stage: check\n"
        "duration: 4 s\n"
        "steps:\n"
        "  - {at: 0 s, selector: D}\n"
        "  - {at: 500 ms, accel: 100 %}\n"
        "expect:\n"
        '  - "always: ECM_Engine.EngineSpeed < 9000 rpm"\n'
        '  - "eventually: ABS_WheelSpeeds.VehicleSpeed > 500 km/h"\n'
    )
    rig = mqtt_rig(broker)
    stage = load_stage(stage_file, Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc"))
    async with recorder(broker, f"{P}/events/verdict", f"{P}/events/stage_end") as rec, \
            bridged(rig, stage) as b:
        await b.advance(3 * S)
        await b.drained()
        assert rec.on(f"{P}/events/verdict") == [], "nothing is judged before the stage ends"
        await b.advance(5 * S)
        await until(lambda: len(rec.on(f"{P}/events/verdict")) == 2)
        await b.advance(6 * S)
        await b.drained()
    verdicts = [v["fields"] for v in rec.on(f"{P}/events/verdict")]
    assert [v["passed"] for v in verdicts] == [True, False]
    assert all(v["stage"] == "check" for v in verdicts)
    assert rec.on(f"{P}/events/verdict")[0]["t_s"] == pytest.approx(4.0)
    assert len(rec.on(f"{P}/events/stage_end")) == 1
