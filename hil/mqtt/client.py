"""The broker side's small parts: the aiomqtt client a rig connects with, link counters, JSON."""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt

from hil.mqtt.config import MqttSection, resolve


@dataclass
class LinkStats:
    connected: bool = False
    connects: int = 0
    connection_losses: int = 0
    published: int = 0
    restarts: int = 0  # the bridge failed and started over (the CAN session ran on)
    last_error: str = ""


def to_json(body: dict[str, Any]) -> bytes:
    """Compact JSON; NaN/inf are refused (a broker consumer's JSON parser would choke on them)."""
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()


def make_client(cfg: MqttSection, rig_name: str, base: Path, *, status: tuple[str, bytes],
                timeout_s: float) -> aiomqtt.Client:
    """A client for `cfg` (TLS files relative to the rig file's folder `base`) whose retained will
    (`status` = topic, payload) says offline if the link dies without a goodbye."""
    tls = None
    if cfg.tls is not None:
        tls = aiomqtt.TLSParameters(
            ca_certs=str(resolve(base, cfg.tls.ca_file)) if cfg.tls.ca_file else None,  # None: system CAs
            certfile=str(resolve(base, cfg.tls.cert_file)) if cfg.tls.cert_file else None,
            keyfile=str(resolve(base, cfg.tls.key_file)) if cfg.tls.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
        )
    return aiomqtt.Client(
        cfg.host, cfg.port, username=cfg.username, password=cfg.password,
        identifier=cfg.client_id_for(rig_name), will=aiomqtt.Will(*status, qos=1, retain=True),
        keepalive=cfg.keepalive_s, tls_params=tls, tls_insecure=cfg.tls.insecure if cfg.tls else None,
        timeout=timeout_s, clean_session=True,
    )


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` (or every error of a group) is the broker link going away."""
    if isinstance(exc, BaseExceptionGroup):
        return all(connection_lost(e) for e in exc.exceptions)
    return isinstance(exc, aiomqtt.MqttError)


async def either(a: asyncio.Event, b: asyncio.Event) -> None:
    """Until one of two events is set."""
    waits = {asyncio.ensure_future(a.wait()), asyncio.ensure_future(b.wait())}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
