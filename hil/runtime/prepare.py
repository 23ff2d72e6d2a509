"""Everything a rig names, loaded and validated before anything touches a bus."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import can

from hil.bus.codec import Codec
from hil.bus.echo import ECHOING_INTERFACES, OwnEchoes
from hil.bus.recorder import Recorder
from hil.config.calibration import Calibration, load_calibration
from hil.config.rig import RigConfig
from hil.errors import BusError, RigError
from hil.mqtt.config import check_files as check_mqtt_files
from hil.runtime.clock import Clock, RealTimeClock, VirtualClock
from hil.runtime.node import NodeModel
from hil.runtime.realtime import RealtimeSettings
from hil.runtime.session import Session
from hil.stage.loader import load_stage
from hil.stage.timeline import Timeline


@dataclass(frozen=True)
class Prepared:
    """A rig with its DBC, calibration and stage loaded and checked: nothing has touched the bus yet."""

    rig: RigConfig
    codec: Codec
    calibration: Calibration
    stage: Timeline

    @property
    def duration_ns(self) -> int:
        """How long a run lasts: the rig's `duration_s` if set, else the stage's length."""
        d = self.rig.spec.rig.duration_s
        return int(d * 1e9) if d else self.stage.duration_ns

    def with_stage(self, stage: Timeline) -> Prepared:
        return replace(self, stage=stage)


def prepare(rig: RigConfig) -> Prepared:
    """Validate every file the rig names; raises the first ConfigError found."""
    codec = Codec.load(rig.dbc_path)
    calibration = load_calibration(rig.calibration_path)
    stage = load_stage(rig.stage_path, codec)
    check_timeouts(rig, codec)
    if rig.spec.mqtt is not None:
        check_mqtt_files(rig.spec.mqtt, rig.path, frozenset(codec.specs))
    return Prepared(rig, codec, calibration, stage)


def check_timeouts(rig: RigConfig, codec: Codec) -> str:
    """Every `[timeouts_ms]` key must name a DBC message."""
    for name in rig.spec.timeouts_ms:
        if name not in codec.specs:
            raise RigError(str(rig.path), f"timeouts_ms.{name}", "no such message in the DBC")
    return f"{len(rig.spec.timeouts_ms)} overrides"


def open_bus(rig: RigConfig) -> can.BusABC:
    kwargs = rig.bus_kwargs()
    try:
        return can.Bus(**kwargs)
    except (can.CanError, OSError, ValueError, ImportError) as exc:
        raise BusError(f"cannot open bus {kwargs.get('interface')}:{kwargs.get('channel')}: {exc}") from exc


def new_session(prep: Prepared, bus: can.BusABC, models: Iterable[NodeModel], recorder: Recorder | None) -> Session:
    """The session the rig file describes: its clock, timeouts, offsets, E2E tolerance, real-time settings."""
    spec = prep.rig.spec
    clock: Clock = VirtualClock() if spec.rig.time == "virtual" else RealTimeClock(
        spin_ns=spec.realtime.spin_us * 1000)
    return Session(
        prep.codec, bus, clock, models, emulate=prep.rig.emulate, recorder=recorder,
        timeouts_ms=dict(spec.timeouts_ms), offsets_ms={k: v.offset_ms for k, v in spec.nodes.items()},
        max_delta_counter=spec.e2e.max_delta_counter,
        echoes=OwnEchoes() if spec.bus["interface"] in ECHOING_INTERFACES else None,
        channel=str(spec.bus["channel"]) if spec.bus.get("channel") is not None else None,
        realtime=RealtimeSettings(spec.realtime.spin_us * 1000, spec.realtime.fifo_priority, spec.realtime.lock_memory),
    )
