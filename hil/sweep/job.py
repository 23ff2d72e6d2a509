"""One sweep run on a worker: stage + calibration in, KPIs + log path out (virtual time, pure).

Every input travels by value (rig, DBC, stage, calibration), so a worker needs only
`pip install d7xr-hil[sweep]`; the run folder gets them under `inputs/` and can be re-run
alone with `hil run --rig inputs/rig.toml`. A run that raises comes back as an error outcome:
the sweep goes on. Nothing here imports dask.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil.config.rig import load_rig
from hil.config.toml_text import dumps
from hil.results.kpis import Kpis
from hil.runtime.prepare import prepare
from hil.runtime.suite import run_to_folder

CALIBRATION_FILE = "calibration.toml"
RIG_FILE = "rig.toml"
ERROR_FILE = "error.txt"


@dataclass(frozen=True)
class Inputs:
    """The files every run of a stage shares, by value: rig settings, DBC, stage (+ files it reads)."""

    rig: dict[str, Any]                    # the rig file's data; paths are set per run
    dbc_name: str
    dbc: bytes
    stage_name: str                        # the stage's file name
    stage_files: tuple[tuple[str, bytes], ...]  # (path relative to the stage's folder, bytes), the stage first


@dataclass(frozen=True)
class RunSpec:
    variant: str
    stage: str
    calibration_toml: str
    calibration_sha256: str
    inputs: Inputs
    out: str                   # this run's results folder (on the worker's file system)
    duration_s: float | None   # cap; None: the whole stage
    trace: bool = True         # write the decoded signal trace (trace/), most of a run folder's bytes

    @property
    def key(self) -> str:
        """Dask task key: one per (variant, stage, calibration), so a retry is the same task."""
        return f"hil-run-{self.variant}-{self.stage}-{self.calibration_sha256[:12]}"


@dataclass(frozen=True)
class RunOutcome:
    variant: str
    stage: str
    calibration_sha256: str
    kpis: Kpis | None
    error: str | None
    log: str | None                          # the CAN log, on the worker's file system
    wall_s: float = 0.0
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


def run_one(spec: RunSpec) -> RunOutcome:
    """Run one (variant, stage) into its folder; an exception becomes the outcome's `error`."""
    wall0 = time.perf_counter()
    out = Path(spec.out)
    if out.exists():
        shutil.rmtree(out)  # what a dead worker left half-written: a retry starts clean
    try:
        rig_file = write_inputs(spec, out / "inputs")
        kpis, log = run_stage(rig_file, out, spec.trace)
    except Exception as exc:  # any failure of this run is its result; the sweep goes on
        out.mkdir(parents=True, exist_ok=True)
        (out / ERROR_FILE).write_text(traceback.format_exc())
        message = f"{type(exc).__name__}: {exc}"
        return RunOutcome(spec.variant, spec.stage, spec.calibration_sha256, None, message, None,
                          time.perf_counter() - wall0)
    return RunOutcome(spec.variant, spec.stage, spec.calibration_sha256, kpis, None, str(log),
                      time.perf_counter() - wall0)


def write_inputs(spec: RunSpec, folder: Path) -> Path:
    """The run's rig, DBC, stage and calibration files; returns the rig file."""
    inp = spec.inputs
    stage_dir = folder / "stage"
    for rel, data in inp.stage_files:
        target = stage_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / inp.dbc_name).write_bytes(inp.dbc)
    (folder / CALIBRATION_FILE).write_text(spec.calibration_toml, encoding="utf-8")
    rig = {section: dict(values) for section, values in inp.rig.items()}
    rig["rig"].update(dbc=inp.dbc_name, calibration=CALIBRATION_FILE, stage=f"stage/{inp.stage_name}",
                      time="virtual")
    if spec.duration_s is not None:
        rig["rig"]["duration_s"] = spec.duration_s
    # python-can virtual channels are shared inside a process: a worker with threads must not cross runs
    rig["bus"]["channel"] = f"sweep-{spec.variant}-{spec.stage}"
    path = folder / RIG_FILE
    path.write_text(dumps(rig), encoding="utf-8")
    return path


def run_stage(rig_file: Path, out: Path, trace: bool = True) -> tuple[Kpis, Path]:
    """The one place that knows how a run is assembled: a `Rig` through the suite's `run_to_folder`."""
    prep = prepare(load_rig(rig_file))
    until_ns = min(prep.duration_ns, prep.stage.duration_ns)  # duration_s caps the stage, never extends it
    kpis, outcome = run_to_folder(prep, out, until_ns, trace=trace)
    if outcome.interrupted:
        raise RuntimeError(f"run stopped at {outcome.reached_ns / 1e9:g} s of {until_ns / 1e9:g} s: {outcome.reason}")
    return kpis, out / prep.rig.spec.rig.log
