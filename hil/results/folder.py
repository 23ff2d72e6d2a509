"""The results folder of one run: signal trace, events, KPIs (next to the CAN log and run.json).

`RunResults` observes a run (the `Rig` registers it) and writes the files when the run ends;
`load_run` reads a finished folder back for compare, plots and reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hil.config.calibration import Calibration
from hil.errors import ConfigError
from hil.results.events import Event, EventThresholds, read_events, write_events
from hil.results.junit import Case, Suite, write_junit
from hil.results.kpis import (
    DEFAULT_LIMITER_BAND_RPM,
    DEFAULT_LIMITER_RPM,
    KpiObserver,
    Kpis,
    KpiSettings,
    read_kpis,
    write_kpis,
)
from hil.results.signals import SignalTraceWriter
from hil.runtime.session import FrameObserver
from hil.stage.timeline import Timeline
from hil.stage.verdicts import Verdict, Verdicts

EVENTS_FILE = "events.json"
KPIS_FILE = "kpis.json"
RUN_FILE = "run.json"
VERDICTS_FILE = "verdicts.json"
JUNIT_FILE = "junit.xml"


def _number(section: object, name: str, default: float) -> float:
    value = getattr(section, name, None)
    return float(value) if isinstance(value, int | float) else default


def kpi_settings(cal: Calibration) -> KpiSettings:
    """Limiter and handbrake thresholds from the calibration that ran (defaults where it has none)."""
    v = cal.values
    engine = getattr(v, "engine", None)
    limiter = _number(engine, "limiter_rpm", DEFAULT_LIMITER_RPM)
    band = _number(engine, "limiter_hysteresis_rpm", DEFAULT_LIMITER_BAND_RPM)
    on = _number(v.hhb, "lever_on_pct", 10.0)
    off = _number(v.hhb, "lever_off_pct", on / 2)
    return KpiSettings(limiter_rpm=limiter, limiter_band_rpm=band,
                       thresholds=EventThresholds(pull_pct=on, release_pct=off))


class RunResults:
    """The results files of one run: frame observers and an event listener while it runs,
    `finish()` once at the end (on every exit path) writes them.

    With a stage's expectations, they are judged as the frames and events pass (nothing of the
    trace is held) and written at the end — only when the run reached the stage's end:
    `verdicts.json`, `junit.xml`.
    """

    def __init__(self, out_dir: Path, settings: KpiSettings | None = None, *, signal_trace: bool = True,
                 stage: Timeline | None = None) -> None:
        self.out_dir = out_dir
        self.kpi = KpiObserver(settings or KpiSettings())
        self.trace = SignalTraceWriter(out_dir) if signal_trace else None
        self.stage = stage
        self.expectations = tuple(getattr(stage, "expectations", ()) or ())
        self.checked = Verdicts(self.expectations, end_ns=stage.duration_ns) if stage and self.expectations else None
        self.verdicts: list[Verdict] = []
        self._finished = False

    def frame_observers(self) -> list[FrameObserver]:
        """What the run calls with every good frame."""
        out: list[FrameObserver] = [self.kpi]
        if self.trace is not None:
            out.append(self.trace)
        if self.checked is not None:
            out.append(self.checked)
        return out

    def on_event(self, event: Event) -> None:
        self.kpi.on_event(event)
        if self.checked is not None:
            self.checked.on_event(event)

    @property
    def failed(self) -> bool:
        return any(not v.passed for v in self.verdicts)

    def _judge(self) -> None:
        if self.checked is None or self.stage is None:
            return
        self.verdicts = self.checked.verdicts()
        (self.out_dir / VERDICTS_FILE).write_text(json.dumps([v.to_json() for v in self.verdicts], indent=1) + "\n")
        name = self.stage.name
        write_junit(self.out_dir / JUNIT_FILE, [Suite(name, [
            Case(v.name, f"stage.{name}", None if v.passed else f"FAIL: {v.detail}", v.detail)
            for v in self.verdicts])], "hil run")

    @property
    def events(self) -> list[Event]:
        return self.kpi.events

    def finish(self, *, judge: bool) -> Kpis:
        """Write events.json, kpis.json (and, with `judge`, the verdicts); close the trace tables.
        `judge` only for a run that reached its stage's end: a verdict is a promise."""
        kpis = self.kpi.kpis()
        if self._finished:
            return kpis
        self._finished = True
        try:
            write_events(self.out_dir / EVENTS_FILE, self.kpi.events)
            write_kpis(self.out_dir / KPIS_FILE, kpis)
            if judge:
                self._judge()
        finally:
            if self.trace is not None:
                self.trace.close()
        return kpis


def write_run_info(out_dir: Path, info: dict[str, Any]) -> Path:
    """`run.json`: what ran, how far it got and why it ended, and the bus health."""
    path = out_dir / RUN_FILE
    path.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return path


@dataclass(frozen=True)
class RunFolder:
    """A finished results folder, read back."""

    path: Path
    kpis: Kpis
    events: list[Event]
    info: dict[str, Any]

    @property
    def stage(self) -> str:
        return str(self.info.get("stage", self.path.name))


def is_run_folder(path: Path) -> bool:
    return (path / KPIS_FILE).is_file()


def load_run(path: Path) -> RunFolder:
    """Read a results folder; ConfigError (exit 2) naming the file and reason when it is not one."""
    if not path.is_dir():
        raise ConfigError(str(path), "", "not a results folder (no such directory)")
    kpi_path = path / KPIS_FILE
    try:
        kpis = read_kpis(kpi_path)
    except FileNotFoundError:
        raise ConfigError(str(kpi_path), "", "missing: not a results folder of `hil run`") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(str(kpi_path), "kpis", f"unreadable: {exc}") from None
    events: list[Event] = []
    ev_path = path / EVENTS_FILE
    if ev_path.exists():
        try:
            events = read_events(ev_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(str(ev_path), "", f"unreadable: {exc}") from None
    info: dict[str, Any] = {}
    run_path = path / RUN_FILE
    if run_path.exists():
        try:
            loaded = json.loads(run_path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(str(run_path), "", f"unreadable: {exc}") from None
        info = loaded if isinstance(loaded, dict) else {}
    return RunFolder(path, kpis, events, info)
