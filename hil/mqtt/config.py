"""The rig's `[mqtt]` section: broker, credentials, TLS, topic prefix, rates and queue bounds.

Paths (TLS files, stages directory) are relative to the rig file; `check_files` resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from hil.config.schema import Strict
from hil.config.units import RateHz
from hil.errors import RigError, UsageError

TOPIC_PREFIX_PATTERN = r"^[A-Za-z0-9_./-]+$"  # no wildcards (+, #), no empty levels checked below


class TlsSection(Strict):
    ca_file: str | None = None  # None: the system's trusted CAs (as for `--mqtt mqtts://...`)
    cert_file: str | None = None  # client certificate (with key_file) for mutual TLS
    key_file: str | None = None
    insecure: bool = False  # skip the host-name check (lab brokers with IP-only certificates)


class MqttSection(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    client_id: str | None = None  # default: hil-<rig>
    username: str | None = None
    password: str | None = None
    tls: TlsSection | None = None
    topic_prefix: str | None = Field(default=None, pattern=TOPIC_PREFIX_PATTERN)  # default: hil/<rig>
    rate_hz: float = Field(default=10.0, ge=0.01, le=1000)  # telemetry per message topic
    rates_hz: dict[str, RateHz] = {}  # per message; 0 turns a message's telemetry off
    queue_size: int = Field(default=2000, ge=10, le=1_000_000)
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    reconnect_min_s: float = Field(default=0.5, ge=0.01, le=60)
    reconnect_max_s: float = Field(default=30.0, ge=0.01, le=3600)
    status_period_s: float = Field(default=2.0, ge=0.1, le=3600)
    max_payload_kib: int = Field(default=64, ge=1, le=16_384)  # a larger command is refused unread
    stages_dir: str = "../stages"  # stage/start may only load files from here

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, v: str | None) -> str | None:
        if v is not None and ("" in v.split("/") or v.startswith("$")):
            raise ValueError("topic prefix must not have empty levels or start with '$'")
        return v

    def prefix_for(self, rig_name: str) -> str:
        return self.topic_prefix or f"hil/{rig_name}"

    def client_id_for(self, rig_name: str) -> str:
        return self.client_id or f"hil-{rig_name}"

    def period_ns(self, message: str) -> int | None:
        """Minimum time between telemetry publications of `message`; None: not published."""
        hz = self.rates_hz.get(message, self.rate_hz)
        return None if hz <= 0 else int(1e9 / hz)


def check_files(section: MqttSection, rig_file: Path, messages: set[str] | frozenset[str]) -> str:
    """What the schema cannot see: TLS files exist, per-message rates name DBC messages."""
    base = rig_file.parent
    if section.tls is not None:
        for key in ("ca_file", "cert_file", "key_file"):
            value = getattr(section.tls, key)
            if value is not None and not resolve(base, value).is_file():
                raise RigError(str(rig_file), f"mqtt.tls.{key}", f"file not found: {resolve(base, value)}")
        if (section.tls.cert_file is None) != (section.tls.key_file is None):
            raise RigError(str(rig_file), "mqtt.tls", "cert_file and key_file go together")
    for name in section.rates_hz:
        if name not in messages:
            raise RigError(str(rig_file), f"mqtt.rates_hz.{name}", "no such message in the DBC")
    if section.reconnect_max_s < section.reconnect_min_s:
        raise RigError(str(rig_file), "mqtt.reconnect_max_s", "must be >= reconnect_min_s")
    return f"{section.host}:{section.port}" + (" (TLS)" if section.tls else "")


def resolve(base: Path, rel: str) -> Path:
    p = Path(rel)
    return p if p.is_absolute() else (base / p).resolve()


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int | None  # None: the rig's port, else the scheme's default
    tls: bool | None  # None: as the rig says (bare HOST[:PORT]); True for mqtts://, False for mqtt://


SCHEME_PORTS = {"mqtt": 1883, "mqtts": 8883}


def parse_broker(text: str) -> BrokerAddress:
    """`--mqtt HOST[:PORT]`, `mqtt://HOST[:PORT]` or `mqtts://HOST[:PORT]` (TLS; IPv6 as `[::1]`)."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        host, port = parse_host_port(text)
        return BrokerAddress(host, port, None)
    if scheme.lower() not in SCHEME_PORTS:
        raise UsageError(f"--mqtt {text}: the scheme must be mqtt:// or mqtts:// (or give HOST[:PORT])")
    if "@" in rest or "/" in rest.rstrip("/") or "?" in rest:
        raise UsageError(f"--mqtt {text}: only HOST[:PORT] after the scheme (credentials go in the rig's [mqtt])")
    host, port = parse_host_port(rest.rstrip("/"))
    tls = scheme.lower() == "mqtts"
    return BrokerAddress(host, port if port is not None else SCHEME_PORTS[scheme.lower()], tls)


def parse_host_port(text: str) -> tuple[str, int | None]:
    """`HOST[:PORT]` (IPv6 as `[::1]:1883`)."""
    host, port = text, None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"--mqtt {text}: unclosed '['")
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--mqtt {text}: expected HOST[:PORT]")
            port = _port(text, rest[1:])
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = _port(text, port_text)
    if not host:
        raise UsageError(f"--mqtt {text}: empty host")
    return host, port


def _port(text: str, port: str) -> int:
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(f"--mqtt {text}: port must be 1..65535")
    return int(port)
