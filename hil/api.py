"""The documented Python API: load a rig, run a stage in virtual time, read the results back.

    import hil
    results = hil.run_stage("stages/hairpins.yaml", calibration="calibrations/road.toml")
    assert results.passed, results.describe_failures()
    results.kpis["shift.power_on_up.time_ms.mean"], results.of_kind("shift")

For finer control, `hil.load_rig` + `hil.prepare` + `hil.Rig` are the same objects the command line
uses (`with hil.Rig(hil.prepare(rig)) as r: r.advance(t_ns)`); `hil.testing` builds pytest fixtures on them.
Everything here is re-exported by `hil` itself (`hil.run_stage`, ...).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil import data
from hil.config.rig import RigConfig
from hil.config.rig import load_rig as _load_rig_file
from hil.errors import ConfigError, UsageError
from hil.results.events import Event
from hil.results.folder import load_run
from hil.results.signals import read_signal
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig
from hil.stage.verdicts import Verdict

__all__ = ["Event", "Prepared", "Results", "Rig", "RigConfig", "Verdict", "load_results", "load_rig",
           "prepare", "read_signal", "run_stage"]

PathLike = str | Path


def load_rig(path: PathLike | None = None, *, calibration: PathLike | None = None, stage: PathLike | None = None,
             emulate: tuple[str, ...] | None = None, channel: str | None = None) -> RigConfig:
    """A validated rig file (default: the shipped `rigs/virtual.toml`), with optional overrides.

    Raises `hil.ConfigError` (file, key and reason) for a bad rig, DBC path or value.
    """
    rig = _load_rig_file(Path(path) if path is not None else data.path(*data.DEFAULT_RIG))
    return rig.with_flags(calibration=_absolute(calibration), stage=_absolute(stage), emulate=emulate,
                          channel=channel)


@dataclass(frozen=True)
class Results:
    """What one run left: KPIs, events, expectation verdicts, and where its folder is (if kept)."""

    stage: str
    kpis: dict[str, float]
    events: list[Event]
    verdicts: list[Verdict]
    judged: bool  # the stage ran to its end, so its expectations were judged
    reached_s: float
    folder: Path | None = None
    info: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """Judged, and every expectation held (a stage without expectations passes once it ran to its end)."""
        return self.judged and all(v.passed for v in self.verdicts)

    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    def of_kind(self, kind: str) -> list[Event]:
        """Events of one kind: "shift", "shift_reject", "handbrake_pull", ... (see README, events.json)."""
        return [e for e in self.events if str(e.kind) == kind]

    def describe_failures(self) -> str:
        """One readable paragraph: why `passed` is False (empty when it is True)."""
        if not self.judged:
            return f"stage {self.stage!r} was not judged: it stopped at {self.reached_s:.2f} s before its end"
        lines = [f"  FAIL {v.name}: {v.detail}" for v in self.failures()]
        return f"stage {self.stage!r}: {len(lines)} of {len(self.verdicts)} expectation(s) failed\n" + "\n".join(lines)


def run_stage(stage: PathLike | None = None, *, rig: RigConfig | PathLike | None = None,
              calibration: PathLike | None = None, out: PathLike | None = None,
              duration_s: float | None = None) -> Results:
    """Run a stage file (default: the rig's stage, else the embedded standing start) in virtual time.

    `out` keeps the whole results folder (as `hil run --out`); without it the run writes to a
    temporary folder that is gone when this returns, and only the returned `Results` remain.
    """
    config = rig if isinstance(rig, RigConfig) else load_rig(rig)
    config = config.with_flags(stage=_absolute(stage), calibration=_absolute(calibration), duration_s=duration_s)
    if config.spec.rig.time != "virtual":
        raise UsageError(f"{config.path}: run_stage runs in virtual time; serve a real-time rig with `hil serve`")
    prep = prepare(config)
    if out is not None:
        return _run(prep, Path(out), keep=True)
    with tempfile.TemporaryDirectory(prefix="hil-") as tmp:
        return _run(prep, Path(tmp), keep=False)


def load_results(folder: PathLike) -> Results:
    """A results folder of `hil run` (or `run_stage(out=...)`) read back; ConfigError when it is not one."""
    run = load_run(Path(folder))
    verdicts: list[Verdict] = []
    path = run.path / "verdicts.json"
    if path.exists():
        try:
            verdicts = [Verdict(v["name"], bool(v["passed"]), str(v["detail"]), v.get("measured"), v.get("unit"))
                        for v in json.loads(path.read_text())]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(str(path), "", f"unreadable: {exc}") from None
    info = run.info
    return Results(run.stage, dict(run.kpis), list(run.events), verdicts, bool(info.get("judged", False)),
                   float(info.get("simulated_s", 0.0)), run.path, info)


def _run(prep: Prepared, out: Path, *, keep: bool) -> Results:
    with Rig(prep, out=out, mqtt=False) as rig:
        rig.advance(rig.until_ns if rig.until_ns is not None else prep.duration_ns)
    results = load_results(out)
    return results if keep else Results(results.stage, results.kpis, results.events, results.verdicts,
                                        results.judged, results.reached_s, None, results.info)


def _absolute(path: PathLike | None) -> str | None:
    # rig overrides resolve against the rig file; a caller's relative path means its working directory
    return str(Path(path).resolve()) if path is not None else None
