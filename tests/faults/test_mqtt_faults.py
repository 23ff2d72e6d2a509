"""`fault/inject` and `fault/clear` over a real mosquitto: a fault id back, its effect on the bus,
its events published; a bad fault is refused `invalid` and nothing is applied."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.mqtt.conftest import Broker, _broker
from tests.mqtt.support import MS, Bridged, Recorder, bridged, mqtt_rig, recorder, until

P = "hil/virtual"
pytestmark = pytest.mark.mqtt


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    yield from _broker(tmp_path)


@pytest.fixture
async def rig(broker: Broker) -> AsyncIterator[tuple[Bridged, Recorder]]:
    async with recorder(broker, f"{P}/reply/#", f"{P}/events/#") as rec, bridged(mqtt_rig(broker)) as b:
        await b.advance(200 * MS)
        yield b, rec


async def test_inject_replies_with_a_fault_id_and_the_fault_acts_then_clear_ends_it(
        rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    reply = await rec.request(P, "fault/inject", {"id": "i1", "kind": "drop", "message": "ABS_WheelSpeeds",
                                                  "at": "100 ms"})
    assert reply["ok"], reply
    result = reply["result"]
    assert result["fault_id"] == "F1" and result["kind"] == "drop" and result["ends_at_s"] is None
    start_s = result["starts_at_s"]
    await b.advance(b.rig.clock.now_ns() + 300 * MS)
    assert b.rig.session.store.values["TCU_Status"]["InputsLost"] == 1.0
    cleared = await rec.request(P, "fault/clear", {"id": "c1", "fault_id": "F1"})
    assert cleared["ok"] and cleared["result"] == {"fault_id": "F1", "cleared": True}
    await b.advance(b.rig.clock.now_ns() + 100 * MS)
    assert b.rig.session.store.values["TCU_Status"]["InputsLost"] == 0.0
    await until(lambda: bool(rec.on(f"{P}/events/fault_injected")))
    injected = rec.on(f"{P}/events/fault_injected")[0]
    assert injected["fields"]["fault_id"] == "F1" and injected["t_s"] == pytest.approx(start_s, abs=1e-9)
    await until(lambda: any("fault_id" in e["fields"] for e in rec.on(f"{P}/events/fault_cleared")))


@pytest.mark.parametrize(("body", "code", "words"), [
    ({"id": "b1", "kind": "drop", "message": "NoSuchMessage"}, "invalid", "unknown message"),
    ({"id": "b2", "kind": "stuck", "message": "ECM_Engine", "signal": "Revs", "value": 1}, "invalid", "no signal"),
    ({"id": "b3", "kind": "melt", "message": "ECM_Engine"}, "invalid", "kind"),
    ({"id": "b4", "kind": "drop", "message": "ECM_Engine", "for": 5}, "invalid", "unit"),
])
async def test_a_bad_fault_is_refused_invalid_and_nothing_is_applied(
        rig: tuple[Bridged, Recorder], body: dict[str, object], code: str, words: str) -> None:
    b, rec = rig
    reply = await rec.request(P, "fault/inject", body)
    assert reply["ok"] is False and reply["error"]["code"] == code and words in reply["error"]["message"]
    assert b.rig.diagnostics.injector.faults == []


async def test_clearing_an_unknown_fault_is_not_found(rig: tuple[Bridged, Recorder]) -> None:
    _, rec = rig
    reply = await rec.request(P, "fault/clear", {"id": "u1", "fault_id": "F42"})
    assert reply["ok"] is False and reply["error"]["code"] == "not_found"


async def test_a_stage_started_over_mqtt_brings_its_faults_and_stopping_it_ends_them(
        broker: Broker, tmp_path: Path) -> None:
    stages = tmp_path / "stages"
    stages.mkdir()
    (stages / "abs_lost.yaml").write_text(
        "stage: abs_lost\nduration: 10 s\nsteps:\n  - {at: 0 s, accel: 0 %}\n"
        "faults:\n  - {at: 100 ms, node: ABS, kind: silence}\n")
    async with recorder(broker, f"{P}/reply/#", f"{P}/events/#") as rec, \
            bridged(mqtt_rig(broker, stages_dir=str(stages))) as b:
        await b.advance(200 * MS)
        reply = await rec.request(P, "stage/start", {"id": "s1", "stage": "abs_lost"})
        assert reply["ok"] and reply["result"]["faults"] == ["F1"]
        await b.advance(b.rig.clock.now_ns() + 200 * MS)
        assert b.rig.session.store.values["TCU_Status"]["InputsLost"] == 1.0
        stopped = await rec.request(P, "stage/stop", {"id": "s2"})
        assert stopped["ok"]
        await b.advance(b.rig.clock.now_ns() + 100 * MS)
        assert b.rig.diagnostics.injector.faults == []
        assert b.rig.session.store.values["TCU_Status"]["InputsLost"] == 0.0


async def test_every_kind_is_accepted_over_mqtt_with_json_types(rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    bodies = [
        {"kind": "drop", "message": "ABS_WheelSpeeds", "for": "20 ms"},
        {"kind": "delay", "message": "ECM_Engine", "delay": "15 ms", "direction": "rx"},
        {"kind": "repeat", "message": "DRV_Controls", "count": 2},
        {"kind": "counter_skip", "message": "DRV_Controls", "skip": 4},
        {"kind": "bad_crc", "message": "HHB_Status"},
        {"kind": "bad_data_id", "message": "ABS_WheelSpeeds", "data_id": 112 + 1},
        {"kind": "insert", "message": "DRV_Controls", "data": "00112233"},
        {"kind": "stuck", "message": "ECM_Engine", "signal": "EngineSpeed", "value": 3000},
        {"kind": "out_of_range", "message": "HHB_Status", "signal": "State", "value": 6},
        {"kind": "babble", "message": "DCU_Status", "rate": 500.5, "for": "10 ms"},
        {"kind": "silence", "node": "DCU", "at": "1 s"},
    ]
    for i, body in enumerate(bodies):
        reply = await rec.request(P, "fault/inject", {"id": f"k{i}", **body})
        assert reply["ok"], reply
        assert reply["result"]["fault_id"] == f"F{i + 1}" and reply["result"]["kind"] == body["kind"]
    await b.advance(b.rig.clock.now_ns() + 100 * MS)
    assert len(b.rig.diagnostics.injector.faults) == 9  # drop and babble ended after their 20 / 10 ms
