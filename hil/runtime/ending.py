"""How a run's end is put on record: the reason it stopped, run.json, and an unexpected error's traceback."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from pathlib import Path
from typing import Any

from hil.config.overrides import RunningCalibration
from hil.errors import HilError
from hil.runtime.clock import RealTimeClock
from hil.runtime.outcome import RunOutcome
from hil.runtime.prepare import Prepared
from hil.runtime.session import Session
from hil.version import __version__

ERROR_LOG = "hil.log"


def stop_reason(exc: BaseException | None, asked: str, reached_end: bool) -> str:
    """Why a run ended: the exception it left through, else the stop it was asked for, else its end."""
    if exc is None:
        return asked or ("completed" if reached_end else "stopped")
    if isinstance(exc, asyncio.CancelledError):
        return asked or "cancelled"
    if isinstance(exc, KeyboardInterrupt):
        return "SIGINT"
    return f"error: {exc}" if isinstance(exc, HilError) else f"error: {type(exc).__name__}: {exc}"


def log_error(out: Path | None, exc: BaseException) -> None:
    """An unexpected error: its traceback goes into the results folder, the user gets one line
    (the CLI prints the exception and this note)."""
    if out is None or isinstance(exc, HilError | asyncio.CancelledError | KeyboardInterrupt):
        return
    path = out / ERROR_LOG
    with contextlib.suppress(OSError):
        with path.open("a") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        exc.add_note(f"traceback: {path}")


def run_info(prep: Prepared, calibration: RunningCalibration, session: Session, outcome: RunOutcome) -> dict[str, Any]:
    """What `run.json` holds: what ran, how far it got and why it ended, and the bus health."""
    info: dict[str, Any] = {
        "software_version": __version__,
        "rig": prep.rig.name,
        "time": prep.rig.spec.rig.time,
        "stage": prep.stage.name,
        "calibration": {**calibration.as_status(), "path": str(prep.calibration.path)},
        **outcome.as_json(),
        "bus_health": session.health.as_dict(),
    }
    if isinstance(session.clock, RealTimeClock):
        info["lateness_ms"] = session.clock.lateness.summary_ms()
    return info
