"""Helpers for the MQTT tests: a bridged rig, a recording subscriber, request/reply."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from hil.config.rig import RigConfig, load_rig
from hil.mqtt.bridge import MqttBridge
from hil.mqtt.config import MqttSection
from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
from hil.stage.player import StagePlayer
from hil.stage.timeline import Timeline, standing_start
from tests.mqtt.conftest import Broker
from tests.support import VIRTUAL_RIG, unique_channel

MS = 1_000_000
S = 1_000_000_000


def mqtt_rig(broker: Broker, *, time_mode: str = "virtual", **mqtt: Any) -> RigConfig:
    rig = load_rig(VIRTUAL_RIG).with_flags(channel=unique_channel(), time=time_mode)
    section = MqttSection(port=broker.port, **mqtt)
    return RigConfig(rig.path, rig.spec.model_copy(update={"mqtt": section}))


@dataclass
class Bridged:
    rig: Rig
    bridge: MqttBridge
    player: StagePlayer

    async def advance(self, until_ns: int, chunk_ns: int = 50 * MS) -> None:
        """Virtual time: step the rig in chunks, letting the publisher work in between."""
        t = self.rig.clock.now_ns()
        while t < until_ns:
            t = min(until_ns, t + chunk_ns)
            self.rig.advance(t)
            await asyncio.sleep(0.001)

    async def drained(self, timeout_s: float = 5.0) -> None:
        await until(lambda: self.bridge.stats.connected and len(self.bridge.outbox) == 0, timeout_s)


@contextlib.asynccontextmanager
async def bridged(rig: RigConfig, stage: Timeline | None = None) -> AsyncIterator[Bridged]:
    """A rig with its MQTT bridge connected, stepped by the test (`advance`)."""
    player = StagePlayer(stage or standing_start())
    async with Rig(prepare(rig), player=player) as running:
        bridge = running.bridge
        assert bridge is not None
        await until(lambda: bridge.stats.connected)
        yield Bridged(running, bridge, player)


async def until(pred: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@dataclass
class Received:
    topic: str
    body: Any
    retain: bool


@dataclass
class Recorder:
    client: aiomqtt.Client
    got: list[Received] = field(default_factory=list)

    def on(self, topic: str) -> list[Any]:
        return [m.body for m in self.got if m.topic == topic]

    def under(self, prefix: str) -> list[Received]:
        return [m for m in self.got if m.topic.startswith(prefix)]

    async def request(self, prefix: str, name: str, body: Any, timeout_s: float = 5.0) -> dict[str, Any]:
        """Publish a command and wait for the reply carrying its id (or the null id)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        rid = body.get("id") if isinstance(body, dict) else None
        reply_topic = f"{prefix}/reply/{name}"
        seen = len(self.on(reply_topic))
        await self.client.publish(f"{prefix}/cmd/{name}", raw, qos=1)
        await until(lambda: any(r.get("id") == rid for r in self.on(reply_topic)[seen:]), timeout_s)
        return next(r for r in self.on(reply_topic)[seen:] if r.get("id") == rid)


@contextlib.asynccontextmanager
async def recorder(broker: Broker, *topics: str, username: str | None = None,
                   password: str | None = None, client_id: str | None = None) -> AsyncIterator[Recorder]:
    async with aiomqtt.Client("127.0.0.1", broker.port, username=username, password=password,
                              identifier=client_id) as client:
        rec = Recorder(client)
        for t in topics:
            await client.subscribe(t, qos=1)

        async def pump() -> None:
            async for m in client.messages:
                payload = m.payload if isinstance(m.payload, bytes) else str(m.payload).encode()
                try:
                    body: Any = json.loads(payload)
                except ValueError:
                    body = payload
                rec.got.append(Received(str(m.topic), body, bool(m.retain)))

        task = asyncio.create_task(pump(), name="test.mqtt.recorder")
        try:
            yield rec
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task


def stages_dir(tmp: Path) -> Path:
    d = tmp / "stages"
    d.mkdir(exist_ok=True)
    return d
