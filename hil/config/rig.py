"""Rig files (TOML): which bus, which nodes are emulated here, which files, which clock.

Paths are relative to the rig file. `[bus]` is python-can's own settings, passed through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

import can
from pydantic import Field, field_validator

from hil.bus import contract
from hil.config.schema import Strict, read_toml, validate
from hil.config.units import TimeoutMs
from hil.errors import RigError
from hil.mqtt.config import MqttSection, TlsSection, parse_broker

MAX_DURATION_S = 48 * 3600.0  # as long as a stage may be
MAX_BITRATE = 15_000_000  # above any CAN FD data phase


class RigSection(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    time: Literal["virtual", "real"] = "virtual"
    dbc: str = "../dbc/d7xr_powertrain.dbc"
    calibration: str = "../calibrations/rally.toml"
    stage: str | None = None  # None: the embedded standing-start stage
    emulate: tuple[str, ...] = contract.NODES
    duration_s: float | None = Field(default=None, ge=0.001, le=MAX_DURATION_S)
    log: str = "can.log"
    vin: str = Field(default="SALEA7EU0T2000001", pattern=r"^[A-HJ-NPR-Z0-9]{17}$")  # UDS DID 0xF190

    @field_validator("log")
    @classmethod
    def _log_inside_results(cls, v: str) -> str:
        # the CAN log goes into the results folder: never onto an existing file elsewhere
        path = PurePosixPath(v.replace("\\", "/"))
        if not v.strip() or path.is_absolute() or PureWindowsPath(v).drive:
            raise ValueError("must be a file name inside the results folder, not an absolute path")
        if ".." in path.parts:
            raise ValueError("must stay inside the results folder ('..' is not allowed)")
        return v

    @field_validator("emulate")
    @classmethod
    def _known_nodes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for node in v:
            if node not in contract.NODES:
                raise ValueError(f"unknown node '{node}' (known: {', '.join(contract.NODES)})")
        if len(set(v)) != len(v):
            raise ValueError("a node is listed twice")
        return v


class NodeSection(Strict):
    offset_ms: float = Field(default=0.0, ge=0, lt=1000)


class E2ESection(Strict):
    max_delta_counter: int = Field(default=2, ge=1, le=14)


class RealtimeSection(Strict):
    # the clock wakes on a timerfd at the deadline; spinning the last stretch buys precision with
    # CPU (without a timerfd, off Linux, the clock spins at least 1.5 ms)
    spin_us: int = Field(default=0, ge=0, le=20_000)
    fifo_priority: int = Field(default=0, ge=0, le=99)  # SCHED_FIFO while running; 0: normal scheduler
    lock_memory: bool = False  # mlockall while running: no page faults inside a cycle


class RigFile(Strict):
    rig: RigSection
    bus: dict[str, Any]
    timeouts_ms: dict[str, TimeoutMs] = {}
    nodes: dict[str, NodeSection] = {}
    e2e: E2ESection = E2ESection()
    realtime: RealtimeSection = RealtimeSection()
    mqtt: MqttSection | None = None  # optional broker link (hil.mqtt); absent: no MQTT at all

    @field_validator("bus")
    @classmethod
    def _bus(cls, v: dict[str, Any]) -> dict[str, Any]:
        interface = v.get("interface")
        if not isinstance(interface, str):
            raise ValueError("'interface' is required (a python-can interface name, e.g. 'virtual')")
        if interface not in can.interfaces.BACKENDS:
            raise ValueError(f"unknown python-can interface '{interface}'")
        for key, value in v.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"'{key}' must be a finite number")
        for key in ("bitrate", "data_bitrate"):
            rate = v.get(key)
            whole = isinstance(rate, int) and not isinstance(rate, bool)
            if rate is not None and not (whole and 0 < rate <= MAX_BITRATE):
                raise ValueError(f"'{key}' must be a whole number of bit/s, 1..{MAX_BITRATE}")
        if v.get("receive_own_messages"):
            # hil delivers its own frames locally; an echo would arrive twice (E2E REPEATED).
            raise ValueError("'receive_own_messages' must be false")
        return v

    @field_validator("nodes")
    @classmethod
    def _node_names(cls, v: dict[str, NodeSection]) -> dict[str, NodeSection]:
        for name in v:
            if name not in (*contract.NODES, "PLANT"):
                raise ValueError(f"unknown node '{name}'")
        return v


@dataclass(frozen=True)
class RigConfig:
    """A validated rig with absolute paths; command-line flags are applied with `with_flags`."""

    path: Path
    spec: RigFile

    def resolve(self, rel: str) -> Path:
        p = Path(rel)
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    @property
    def name(self) -> str:
        return self.spec.rig.name

    @property
    def dbc_path(self) -> Path:
        return self.resolve(self.spec.rig.dbc)

    @property
    def calibration_path(self) -> Path:
        return self.resolve(self.spec.rig.calibration)

    @property
    def stage_path(self) -> Path | None:
        return self.resolve(self.spec.rig.stage) if self.spec.rig.stage else None

    @property
    def emulate(self) -> frozenset[str]:
        return frozenset(self.spec.rig.emulate)

    def bus_kwargs(self) -> dict[str, Any]:
        kw = dict(self.spec.bus)
        if kw["interface"] == "virtual" and self.spec.rig.time == "virtual":
            kw.setdefault("preserve_timestamps", True)  # frames carry virtual time
        return kw

    def with_flags(self, **flags: Any) -> RigConfig:
        """Command-line overrides: None means 'not given'; bus keys go to [bus]."""
        data = self.spec.model_dump()
        for key in ("interface", "channel", "bitrate", "fd"):
            if flags.get(key) is not None:
                data["bus"][key] = flags[key]
        for key in ("time", "calibration", "stage", "duration_s", "emulate", "log"):
            if flags.get(key) is not None:
                data["rig"][key] = flags[key]
        return RigConfig(self.path, validate(RigFile, data, f"{self.path} (with command-line flags)", RigError))

    def with_broker(self, text: str | None) -> RigConfig:
        """`--mqtt HOST[:PORT]`, `mqtt://...` or `mqtts://...` (TLS): override the rig's broker, or add
        an `[mqtt]` section with defaults. mqtts:// without a `[mqtt.tls]` trusts the system's CAs."""
        if text is None:
            return self
        address = parse_broker(text)
        section = self.spec.mqtt or MqttSection()
        changes: dict[str, object] = {"host": address.host}
        if address.port is not None:
            changes["port"] = address.port
        if address.tls is not None:
            changes["tls"] = (section.tls or TlsSection()) if address.tls else None
        return RigConfig(self.path, self.spec.model_copy(update={"mqtt": section.override(**changes)}))


def load_rig(path: Path) -> RigConfig:
    data = read_toml(path, RigError)
    return RigConfig(path.resolve(), validate(RigFile, data, str(path), RigError))
