"""Nothing that arrives over MQTT can stop the CAN session: NaN, 1e308, a wall of '[', a huge
payload, a failing command, a failing bridge. Each gets an error reply or a logged restart, and
the retained status never lies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.mqtt.conftest import Broker
from tests.mqtt.support import MS, Bridged, Recorder, bridged, mqtt_rig, recorder, until

P = "hil/virtual"


@pytest.fixture
async def rig(broker: Broker) -> AsyncIterator[tuple[Bridged, Recorder]]:
    async with recorder(broker, f"{P}/reply/#", f"{P}/status") as rec, \
            bridged(mqtt_rig(broker, max_payload_kib=8)) as b:
        await b.advance(100 * MS)
        yield b, rec


async def _still_steps(b: Bridged) -> None:
    """The CAN session runs on and the bridge still answers."""
    before = b.rig.health.frames_tx
    await b.advance(b.rig.clock.now_ns() + 100 * MS)
    assert b.rig.health.frames_tx > before
    assert b.rig.outcome is None and b.bridge.stats.connected


NASTY: list[tuple[str, bytes, str, str]] = [
    ("calibration/set", b'{"id": "n1", "key": "vehicle.cda_m2", "value": NaN}', "malformed", "NaN is not"),
    ("calibration/set", b'{"id": "n2", "key": "vehicle.cda_m2", "value": Infinity}', "malformed", "Infinity"),
    ("calibration/set", b'{"id": "n3", "key": "vehicle.cda_m2", "value": 1e308}', "invalid", "less than or equal"),
    ("calibration/set", b'{"id": "n4", "key": "hardware.final_drive", "value": -1e308}', "invalid", "greater than"),
    ("calibration/set", b"[" * 100_000, "too_large", "over the limit of 8192"),
    ("stage/start", b"[" * 8000, "malformed", "nested too deep"),
    ("stage/start", b'{"id": "x", "stage": "' + b"a" * 9000 + b'"}', "too_large", "bytes is over the limit"),
]


@pytest.mark.parametrize(("name", "payload", "code", "message"), NASTY,
                         ids=[f"{n[2]}:{i}" for i, n in enumerate(NASTY)])
async def test_a_nasty_command_gets_an_error_reply_and_the_session_runs_on(
        rig: tuple[Bridged, Recorder], name: str, payload: bytes, code: str, message: str) -> None:
    b, rec = rig
    values = b.bridge.calibration.values
    reply_topic = f"{P}/reply/{name}"
    seen = len(rec.on(reply_topic))
    await rec.client.publish(f"{P}/cmd/{name}", payload, qos=1)
    await until(lambda: len(rec.on(reply_topic)) > seen)
    reply = rec.on(reply_topic)[-1]
    assert reply["ok"] is False and reply["error"]["code"] == code, reply
    assert message in reply["error"]["message"]
    assert b.bridge.calibration.values is values, "nothing changed"
    await _still_steps(b)
    ok = await rec.request(P, "calibration/set", {"id": f"ok-{code}", "key": "vehicle.cda_m2", "value": 1.5})
    assert ok["ok"] is True


async def test_an_exception_inside_a_command_is_an_internal_error_reply_and_logged(
        rig: tuple[Bridged, Recorder], caplog: pytest.LogCaptureFixture) -> None:
    b, rec = rig

    def broken(key: str, value: Any) -> dict[str, Any]:
        raise RuntimeError("a bug in a handler")

    b.bridge.commands.ctx.set_calibration = broken  # a failing handler, as a bug would be
    hil_log = logging.getLogger("hil")  # `hil` may not propagate (the CLI sets it up): listen on it
    hil_log.addHandler(caplog.handler)
    try:
        reply = await rec.request(P, "calibration/set", {"id": "boom", "key": "vehicle.cda_m2", "value": 1.5})
    finally:
        hil_log.removeHandler(caplog.handler)
    assert reply["error"] == {"code": "internal", "message": "RuntimeError: a bug in a handler"}
    assert "a bug in a handler" in caplog.text
    await _still_steps(b)


async def test_the_bridge_can_fail_and_start_over_without_touching_the_can_session(
        rig: tuple[Bridged, Recorder]) -> None:
    b, rec = rig
    bridge = b.bridge
    real_status, failures = bridge.status, []

    def status_once_broken(state: str | None = None) -> dict[str, Any]:
        if not failures and state is None:
            failures.append(1)
            raise RuntimeError("status bug")
        return real_status(state)

    bridge.status = status_once_broken  # type: ignore[method-assign]
    await b.advance(b.rig.clock.now_ns() + 500 * MS)  # a state change makes the status loop publish
    await until(lambda: bridge.stats.restarts == 1 and bridge.stats.connects >= 2, 10.0)
    said = [s.get("reason", "") for s in rec.on(f"{P}/status") if s["state"] == "offline"]
    assert any(r.startswith("bridge") for r in said), "a failing bridge says it is offline before it goes"
    await until(lambda: rec.on(f"{P}/status")[-1]["state"] != "offline")
    assert "status bug" in bridge.stats.last_error
    await _still_steps(b)
