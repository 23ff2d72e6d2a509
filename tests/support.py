"""Test support: run a whole rig in virtual time on a private python-can virtual channel."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path

from hil.app import Prepared, prepare, session_for
from hil.config.rig import load_rig
from hil.results.trace import Trace
from hil.runtime.session import Session
from hil.stage.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]
VIRTUAL_RIG = ROOT / "rigs" / "virtual.toml"
RALLY = ROOT / "calibrations" / "rally.toml"
ROAD = ROOT / "calibrations" / "road.toml"


def unique_channel() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def prepared(
    *, calibration: Path | None = None, emulate: Iterable[str] | None = None,
    stage: Timeline | None = None, channel: str | None = None,
) -> Prepared:
    rig = load_rig(VIRTUAL_RIG).with_flags(
        calibration=str(calibration) if calibration else None,
        emulate=tuple(emulate) if emulate is not None else None,
        channel=channel or unique_channel(),
    )
    prep = prepare(rig)
    if stage is not None:
        prep = Prepared(prep.rig, prep.codec, prep.calibration, stage)
    return prep


def run_virtual(
    stage: Timeline, duration_s: float | None = None, *, calibration: Path | None = None,
    emulate: Iterable[str] | None = None, out_dir: Path | None = None, channel: str | None = None,
) -> tuple[Session, Trace]:
    """Run `stage` through the default rig in virtual time; returns the session and a full trace."""
    prep = prepared(calibration=calibration, emulate=emulate, stage=stage, channel=channel)
    trace = Trace()
    with session_for(prep, out_dir) as session:
        session.observers.append(trace)
        end = int((duration_s * 1e9) if duration_s is not None else stage.duration_ns)
        session.advance(end)
    return session, trace
