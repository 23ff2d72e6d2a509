"""Plan a sweep: one run per (variant, stage), checked before any job; finished runs are recorded.

A record (`sweep-run.json` in the run's folder, written by the client) is what resume trusts:
a pair whose record says `ok` for the same calibration hash and the same inputs is not run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from hil.bus.codec import Codec
from hil.errors import ConfigError
from hil.stage.loader import load_stage
from hil.sweep.job import Inputs, RunOutcome, RunSpec
from hil.sweep.spec import Sweep
from hil.sweep.variants import Variant

RECORD_FILE = "sweep-run.json"
RUNS_DIR = "runs"


@dataclass(frozen=True)
class Planned:
    spec: RunSpec
    params: dict[str, Any]
    inputs_sha256: str    # rig, DBC, stage files and duration cap: a change there re-runs the pair


@dataclass(frozen=True)
class Record:
    """A finished run as the table needs it (and as resume finds it again)."""

    variant: str
    stage: str
    calibration_sha256: str
    inputs_sha256: str
    params: dict[str, Any]
    kpis: dict[str, float] | None
    error: str | None
    log: str | None       # relative to the sweep's output folder
    wall_s: float
    worker: str

    @property
    def ok(self) -> bool:
        return self.error is None


def plan(sweep: Sweep, variants: list[Variant], out: Path) -> list[Planned]:
    """Every (variant, stage) run; each stage is loaded against the rig's DBC first (errors exit 2)."""
    dbc_path = Path(sweep.rig_path).parent / sweep.rig.rig.dbc
    codec = Codec.load(dbc_path)
    rig = sweep.rig.model_dump(mode="json", exclude_none=True)
    runs: list[Planned] = []
    for stage in sweep.stages:
        load_stage(stage, codec)  # a broken stage refuses the sweep before the first job
        inputs = Inputs(rig, dbc_path.name, dbc_path.read_bytes(), stage.name, _stage_files(stage, sweep))
        digest = _inputs_sha(inputs, sweep.spec.duration_s)
        for v in variants:
            folder = out / RUNS_DIR / v.name / stage.stem
            spec = RunSpec(v.name, stage.stem, v.toml, v.sha256, inputs, str(folder.resolve()), sweep.spec.duration_s,
                           sweep.spec.trace)
            runs.append(Planned(spec, v.params, digest))
    return runs


def _stage_files(stage: Path, sweep: Sweep) -> tuple[tuple[str, bytes], ...]:
    """The stage file and what its `input:` reads (a CSV or CAN log beside or below it)."""
    files = [(stage.name, stage.read_bytes())]
    if stage.suffix not in (".yaml", ".yml"):
        return tuple(files)
    doc = yaml.safe_load(stage.read_text(encoding="utf-8"))
    inp = doc.get("input") if isinstance(doc, dict) else None
    for key in ("csv", "can_log"):
        rel = inp.get(key) if isinstance(inp, dict) else None
        if isinstance(rel, str):
            path = (stage.parent / rel).resolve()
            if not path.is_relative_to(stage.parent.resolve()):
                raise ConfigError(str(sweep.path), "stages", f"{stage}: input.{key} {rel} is outside the stage's "
                                  "folder; a sweep ships a stage's files to its workers only from that folder")
            files.append((path.relative_to(stage.parent.resolve()).as_posix(), path.read_bytes()))
    return tuple(files)


def _inputs_sha(inputs: Inputs, duration_s: float | None) -> str:
    h = hashlib.sha256(json.dumps([inputs.rig, inputs.dbc_name, inputs.stage_name, duration_s],
                                  sort_keys=True).encode())
    h.update(inputs.dbc)
    for rel, data in inputs.stage_files:
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def record_of(planned: Planned, outcome: RunOutcome, out: Path) -> Record:
    log = outcome.log
    if log is not None and Path(log).is_relative_to(out.resolve()):
        log = Path(log).relative_to(out.resolve()).as_posix()
    return Record(outcome.variant, outcome.stage, outcome.calibration_sha256, planned.inputs_sha256,
                  planned.params, outcome.kpis, outcome.error, log, round(outcome.wall_s, 3), outcome.worker)


def write_record(record: Record, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (RECORD_FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=1, sort_keys=True) + "\n")
    tmp.replace(folder / RECORD_FILE)  # never a half-written record, whatever stops the client


def finished(planned: Planned) -> Record | None:
    """The recorded result of this run if it finished well with the same calibration and inputs."""
    path = Path(planned.spec.out) / RECORD_FILE
    try:
        data = json.loads(path.read_text())
        record = Record(**data)
    except (OSError, ValueError, TypeError):
        return None  # no record, or one from another version: run again
    same = (record.calibration_sha256 == planned.spec.calibration_sha256
            and record.inputs_sha256 == planned.inputs_sha256 and record.params == planned.params)
    return record if same and record.ok else None
