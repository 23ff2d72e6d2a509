"""Wiring for the commands: the `--mqtt` flag, building the bridge, running it beside the session."""

from __future__ import annotations

import asyncio

from hil.app import Prepared
from hil.config.rig import Rig
from hil.mqtt.bridge import MqttBridge
from hil.mqtt.commands import RunningCalibration
from hil.mqtt.config import MqttSection, parse_host_port
from hil.results.events import EventDetector
from hil.runtime.session import Session
from hil.stage.player import StagePlayer


def with_mqtt_flag(rig: Rig, text: str | None) -> Rig:
    """`--mqtt HOST[:PORT]`: override the rig's broker, or add an `[mqtt]` section with defaults."""
    if text is None:
        return rig
    host, port = parse_host_port(text)
    section = rig.spec.mqtt or MqttSection()
    changes: dict[str, object] = {"host": host}
    if port is not None:
        changes["port"] = port
    return Rig(rig.path, rig.spec.model_copy(update={"mqtt": section.override(**changes)}))


def build_bridge(prep: Prepared, session: Session, player: StagePlayer) -> MqttBridge | None:
    """The bridge for a rig with an `[mqtt]` section (None otherwise), attached to the session."""
    cfg = prep.rig.spec.mqtt
    if cfg is None:
        return None
    bridge = MqttBridge(cfg, rig_name=prep.rig.name, rig_file=prep.rig.path, session=session, player=player,
                        calibration=RunningCalibration.of(prep.calibration))
    session.observers.append(bridge)
    detector = EventDetector()  # its own instance: the bridge publishes events as they happen
    detector.listeners.append(bridge.on_event)
    session.observers.append(detector)
    return bridge


async def run_with_bridge(session: Session, until_ns: int | None, stop: asyncio.Event,
                          bridge: MqttBridge | None) -> None:
    """Run the session; with a bridge, both in one task group, the bridge stopping after the session."""
    if bridge is None:
        await session.run(until_ns, stop)
        return
    done = asyncio.Event()  # the session returns promptly once `stop` is set (SIGTERM)

    async def session_then_done() -> None:
        try:
            await session.run(until_ns, stop)
        finally:
            done.set()

    async with asyncio.TaskGroup() as tg:
        tg.create_task(session_then_done(), name="hil.session")
        tg.create_task(bridge.run(done), name="hil.mqtt")
