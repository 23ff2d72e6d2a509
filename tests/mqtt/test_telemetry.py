"""Telemetry, status and events reach a real mosquitto as documented."""

from __future__ import annotations

import asyncio
import itertools

from hil.results.trace import Trace
from tests.mqtt.conftest import Broker
from tests.mqtt.support import MS, S, bridged, mqtt_rig, recorder, until


async def test_telemetry_arrives_at_the_configured_rate_per_message(broker: Broker) -> None:
    rig = mqtt_rig(broker, rate_hz=20.0, rates_hz={"ECM_Engine": 5.0, "TCU_Identity": 0.0})
    async with recorder(broker, "hil/virtual/signals/#") as rec, bridged(rig) as b:
        await b.advance(4 * S)
        await b.drained()
        await rec.client.publish("hil/virtual/x", b"sync", qos=1)  # ordering barrier
    abs_ = rec.on("hil/virtual/signals/ABS_WheelSpeeds")
    ecm = rec.on("hil/virtual/signals/ECM_Engine")
    assert 79 <= len(abs_) <= 81, "20 Hz over 4 s of bus time"
    assert 19 <= len(ecm) <= 21, "5 Hz override for ECM_Engine"
    assert not rec.on("hil/virtual/signals/TCU_Identity"), "rate 0 turns a message off"
    gaps = [round((b - a) * 1000) for a, b in itertools.pairwise(m["t_s"] for m in abs_)]
    assert set(gaps) == {50}, "published on bus time, exactly every 50 ms"
    assert b.bridge.outbox.telemetry_dropped == 0


async def test_telemetry_payload_carries_values_units_labels_and_bus_time(broker: Broker) -> None:
    async with recorder(broker, "hil/virtual/signals/#") as rec, bridged(mqtt_rig(broker)) as b:
        await b.advance(2 * S)
        await b.drained()
    ecm = rec.on("hil/virtual/signals/ECM_Engine")[-1]
    assert ecm["message"] == "ECM_Engine"
    assert ecm["units"]["EngineSpeed"] == "rpm"
    assert ecm["signals"]["EngineSpeed"] > 500
    assert 0 < ecm["t_s"] <= 2.0
    tcu = rec.on("hil/virtual/signals/TCU_Status")[-1]
    assert tcu["labels"]["ShiftPhase"] in {"IDLE", "FILL", "TORQUE", "INERTIA"}


async def test_status_is_retained_with_stage_calibration_and_bus_health(broker: Broker) -> None:
    async with bridged(mqtt_rig(broker)) as b:
        await b.advance(1 * S)
        await b.drained()
        await asyncio.sleep(0.25)  # one status poll after the advance
        async with recorder(broker, "hil/virtual/status") as late:  # subscribes after the fact
            await late.client.publish("hil/virtual/x", b"sync", qos=1)
            await until(lambda: bool(late.got))
        first = late.got[0]
    assert first.retain, "a late subscriber gets the retained status at once"
    st = first.body
    assert st["state"] == "running"
    assert st["stage"] == "standing_start"
    assert st["calibration"]["sha256"] == b.bridge.calibration.base.sha256
    assert st["health"]["frames_tx"] > 0
    assert "e2e" in st["health"] and "timed_out" in st["health"]
    assert st["bridge"]["telemetry_dropped"] == 0


async def test_clean_stop_leaves_a_retained_offline_status(broker: Broker) -> None:
    async with bridged(mqtt_rig(broker)) as b:
        await b.advance(500 * MS)
    async with recorder(broker, "hil/virtual/status") as late:
        await until(lambda: bool(late.got))
    assert late.got[0].retain
    assert late.got[0].body["state"] == "offline"


async def test_each_shift_event_arrives_exactly_once_at_qos1(broker: Broker) -> None:
    trace = Trace(only=frozenset({"TCU_ShiftEvent"}))
    async with recorder(broker, "hil/virtual/events/#") as rec, bridged(mqtt_rig(broker)) as b:
        b.rig.observe(trace)
        await b.advance(15 * S)
        await b.drained()
        await asyncio.sleep(0.1)
    shifts = rec.on("hil/virtual/events/shift")
    assert len(shifts) >= 3, "the standing start upshifts through several gears"
    assert len(shifts) == len(trace.frames), "one event per TCU_ShiftEvent frame on the bus"
    seqs = [m.body["seq"] for m in rec.under("hil/virtual/events/")]
    assert len(seqs) == len(set(seqs)), "no event is delivered twice"
    assert [s["fields"]["ToGear"] for s in shifts] == sorted(s["fields"]["ToGear"] for s in shifts)
