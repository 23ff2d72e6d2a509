"""Every command path and every rejection, request to reply through a real mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hil.models.driver import Driver
from hil.nodes.driver_node import DriverNode
from tests.mqtt.conftest import Broker
from tests.mqtt.support import MS, Bridged, Recorder, S, bridged, mqtt_rig, recorder, until

P = "hil/virtual"


@pytest.fixture
async def rig(broker: Broker, tmp_path: Path) -> AsyncIterator[tuple[Bridged, Recorder]]:
    stages = tmp_path / "stages"
    stages.mkdir()
    (stages / "broken.yaml").write_text("name: [unclosed\n")
    (tmp_path / "outside.yaml").write_text("steps: [{at: 0 s, accel: 1}]\n")  # a valid stage, not to be reached
    (stages / "escape.yaml").symlink_to(tmp_path / "outside.yaml")
    async with recorder(broker, f"{P}/reply/#", f"{P}/events/#") as rec, \
            bridged(mqtt_rig(broker, stages_dir=str(stages))) as b:
        await b.advance(200 * MS)
        yield b, rec


def driver_of(b: Bridged) -> Driver:
    node = next(n for n in b.rig.nodes if isinstance(n, DriverNode))
    assert isinstance(node, DriverNode)
    return node.model


async def test_stage_start_by_name_plays_the_stage_from_now_and_replies_with_the_id(
        rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    reply = await rec.request(P, "stage/start", {"id": "s1", "stage": "standing_start"})
    assert reply["ok"] and reply["id"] == "s1"
    assert b.player.start_ns == 200 * MS
    await until(lambda: bool(rec.on(f"{P}/events/stage_start")))
    assert rec.on(f"{P}/events/stage_start")[0]["fields"]["stage"] == "standing_start"


async def test_stage_stop_idles_the_driver_channels(rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    await b.advance(2 * S)
    assert b.player.value("accel_pct", b.rig.clock.now_ns()) == 100.0
    reply = await rec.request(P, "stage/stop", {"id": "stop-1"})
    assert reply["ok"] and reply["result"] == {"stage": "standing_start", "was_playing": True}
    assert not b.player.playing
    assert b.player.value("accel_pct", b.rig.clock.now_ns()) == 0.0
    await until(lambda: bool(rec.on(f"{P}/events/stage_end")))
    assert rec.on(f"{P}/events/stage_end")[0]["fields"]["reason"] == "stopped"


async def test_calibration_set_swaps_the_section_on_the_running_model(rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    before = driver_of(b).cal
    reply = await rec.request(P, "calibration/set", {"id": "c1", "key": "driver.speed_kp_pct_per_kph", "value": 3.5})
    assert reply["ok"], reply
    assert reply["result"]["applied_to"] == ["DRV"]
    assert driver_of(b).cal.speed_kp_pct_per_kph == 3.5
    assert driver_of(b).cal.brake_kp_bar_per_kph == before.brake_kp_bar_per_kph
    assert b.bridge.calibration.as_status()["overrides"] == {"driver.speed_kp_pct_per_kph": 3.5}


async def test_a_repeated_id_returns_the_first_reply_and_changes_nothing_twice(
        rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    first = await rec.request(P, "stage/start", {"id": "again", "stage": "standing_start"})
    started = b.player.start_ns
    await b.advance(1 * S)
    second = await rec.request(P, "stage/start", {"id": "again", "stage": "standing_start"})
    assert second == first
    assert b.player.start_ns == started, "the stage was not restarted"
    await b.drained()
    assert len(rec.on(f"{P}/events/stage_start")) == 1


REJECTIONS: list[tuple[str, Any, str]] = [
    ("launch/missiles", {"id": "u1"}, "unknown_command"),
    ("stage/start", b"{not json", "malformed"),
    ("stage/start", {"stage": "standing_start"}, "malformed"),                   # no id
    ("stage/start", {"id": "x1", "stage": "standing_start", "speed": 2}, "malformed"),  # unknown field
    ("stage/start", {"id": "x2", "stage": "no_such_stage"}, "not_found"),
    ("stage/start", {"id": "x3", "stage": "../outside.yaml"}, "forbidden"),
    ("stage/start", {"id": "x4", "stage": "/etc/passwd"}, "forbidden"),
    ("stage/start", {"id": "x5", "stage": "broken.yaml"}, "invalid"),
    ("stage/start", {"id": "x6", "stage": "escape"}, "forbidden"),  # a symlink out of the stages directory
    ("stage/start", {"id": "x7", "stage": "escape.yaml"}, "forbidden"),
    ("calibration/set", {"id": "k1", "key": "hardware.rolling_radius_m", "value": 0.9}, "invalid"),  # > limit
    ("calibration/set", {"id": "k2", "key": "hardware.final_drive", "value": "4.3"}, "invalid"),    # a string
    ("calibration/set", {"id": "k3", "key": "hardware.gear_ratios", "value": [3.0, 4.0]}, "invalid"),
    ("calibration/set", {"id": "k4", "key": "driver.no_such_key", "value": 1.0}, "invalid"),
    ("calibration/set", {"id": "k5", "key": "nosuch.key", "value": 1.0}, "invalid"),
    ("calibration/set", {"id": "k6", "key": "meta.name", "value": "x"}, "forbidden"),
    ("calibration/set", {"id": "k7", "key": "DROP TABLE", "value": 1.0}, "malformed"),
    ("fault/inject", {"id": "f1", "fault": "TCU_Status.timeout"}, "invalid"),  # not a fault field
]


@pytest.mark.parametrize(("name", "body", "code"), REJECTIONS,
                         ids=[f"{r[0]}:{r[2]}:{i}" for i, r in enumerate(REJECTIONS)])
async def test_a_bad_command_gets_an_error_reply_and_changes_nothing(
        rig: tuple[Bridged, Recorder], name: str, body: Any, code: str) -> None:
    b, rec = rig
    cal_before, stage_before, start_before = b.bridge.calibration.values, b.player.timeline, b.player.start_ns
    reply = await rec.request(P, name, body)
    assert reply["ok"] is False
    assert reply["error"]["code"] == code, reply
    assert reply["error"]["message"]
    assert b.bridge.calibration.values is cal_before
    assert (b.player.timeline, b.player.start_ns) == (stage_before, start_before)
    assert not b.bridge.calibration.overrides
