"""Passwords and the shipped per-rig ACL (rigs/mosquitto/acl) on a real broker."""

from __future__ import annotations

import asyncio

import aiomqtt
import pytest

from tests.mqtt.conftest import Broker
from tests.mqtt.support import MS, bridged, mqtt_rig, recorder, until

P = "hil/virtual"
RIG_LOGIN = {"username": "rig-virtual", "password": "rig-secret"}


async def test_anonymous_and_wrong_password_clients_are_refused(secured_broker: Broker) -> None:
    for username, password in ((None, None), ("operator", "wrong")):
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", secured_broker.port, username=username, password=password):
                pass


async def test_a_dashboard_reads_telemetry_but_its_commands_never_reach_the_rig(secured_broker: Broker) -> None:
    rig = mqtt_rig(secured_broker, **RIG_LOGIN)
    async with bridged(rig) as b, recorder(secured_broker, "hil/#", username="dashboard",
                                           password="dash-secret") as dash:
        await b.advance(500 * MS)
        await until(lambda: bool(dash.under(f"{P}/signals/")))
        await dash.client.publish(f"{P}/cmd/stage/stop", b'{"id": "d1"}', qos=1)
        await asyncio.sleep(0.5)
        assert b.player.playing, "the ACL dropped the dashboard's command"
        assert b.bridge.commands.handled + b.bridge.commands.rejected == 0
        assert not dash.under(f"{P}/reply/")


async def test_an_operator_may_command_the_rig(secured_broker: Broker) -> None:
    rig = mqtt_rig(secured_broker, **RIG_LOGIN)
    async with bridged(rig) as b, recorder(secured_broker, f"{P}/reply/#", username="operator",
                                           password="op-secret") as op:
        reply = await op.request(P, "stage/stop", {"id": "o1"})
    assert reply["ok"]
    assert not b.player.playing


async def test_a_rig_cannot_publish_under_another_rigs_prefix(secured_broker: Broker) -> None:
    async with recorder(secured_broker, "hil/#", username="operator", password="op-secret") as op, \
            aiomqtt.Client("127.0.0.1", secured_broker.port, username="rig-virtual", password="rig-secret") \
            as rig_client:
        await rig_client.publish("hil/bench1/status", b'{"state": "spoofed"}', qos=1)
        await rig_client.publish(f"{P}/status", b'{"state": "own"}', qos=1)
        await until(lambda: bool(op.on(f"{P}/status")))
        assert not op.on("hil/bench1/status")
