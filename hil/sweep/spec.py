"""The sweep file (YAML): base calibration, parameters by dotted key, stages, tolerances, seed.

Validated once, before any job exists; every path is relative to the sweep file (as a rig's paths
are relative to the rig), and every problem names the sweep file, the key and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import Discriminator, Field, Tag, model_validator

from hil.config.calibration import Calibration, load_calibration
from hil.config.overrides import KEY_PATTERN
from hil.config.rig import RigFile, load_rig
from hil.config.schema import Strict, validate
from hil.errors import ConfigError
from hil.results.compare import Tolerances, load_tolerances

STAGE_SUFFIXES = (".yaml", ".yml")  # what a folder of stages contributes (a named file may also be .csv)


class Axis(Strict):
    """Values between two bounds: `steps` evenly spaced (a grid axis) or `samples` seeded random draws."""

    range: tuple[float, float]
    steps: int | None = Field(default=None, ge=2)
    samples: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.steps is None) == (self.samples is None):
            raise ValueError("give one of 'steps' (an even grid) or 'samples' (seeded random draws)")
        if not self.range[0] < self.range[1]:
            raise ValueError(f"range: {self.range[0]:g} is not below {self.range[1]:g}")
        return self


def _kind(value: Any) -> str:
    return "<range>" if isinstance(value, dict | Axis) else "<values>"


# a list is a grid axis as given; a mapping is a range (errors then speak of the range, not of "a list")
Values = Annotated[Annotated[list[Any], Tag("<values>")] | Annotated[Axis, Tag("<range>")], Discriminator(_kind)]


class SweepFile(Strict):
    base: str
    stages: list[str] = Field(min_length=1)
    parameters: dict[str, Values] = Field(min_length=1)
    seed: int = 0
    tolerances: str | None = None  # default: tolerances.toml beside the first stage, else exact comparison
    rig: str | None = None         # default: the rig the command is given (rigs/virtual.toml)
    duration_s: float | None = Field(default=None, gt=0)  # cap every stage (quick looks, tests)
    heatmaps: list[str] = Field(default_factory=list)     # KPIs drawn per stage for a 2-parameter sweep
    trace: bool = True  # each run's decoded signal trace (trace/): ~60 % of a run folder, not needed for KPIs


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file with its files loaded (stages are checked later, against the rig's DBC)."""

    path: Path
    spec: SweepFile
    base: Calibration
    rig_path: Path
    rig: RigFile
    stages: tuple[Path, ...]
    tolerances: Tolerances

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)


def load_sweep(path: Path, default_rig: Path) -> Sweep:
    """Read and check a sweep file; ConfigError(file, key, reason) on the first problem."""
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file, "", f"cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", f"not valid YAML: {exc}") from None
    try:
        spec = validate(SweepFile, data, file)
    except ConfigError as exc:  # the union's tag is no key of the file
        raise ConfigError(file, re.sub(r"\.<(range|values)>", "", exc.key), exc.reason) from None
    for key in spec.parameters:
        if not re.match(KEY_PATTERN, key) or key.startswith("meta."):
            raise ConfigError(file, f"parameters.{key}",
                              "not a dotted calibration key (section.key, as calibration/set takes it)")
    here = path.resolve().parent
    base = load_calibration(_existing(here / spec.base, file, "base"))
    rig_path = here / spec.rig if spec.rig else default_rig
    rig = load_rig(_existing(rig_path, file, "rig"))
    if rig.spec.rig.time != "virtual":
        raise ConfigError(file, "rig", f"{rig_path}: a sweep runs virtual-time rigs only")
    stages = _stage_files(here, spec.stages, file)
    tol_path = here / spec.tolerances if spec.tolerances else stages[0].parent / "tolerances.toml"
    if spec.tolerances:
        _existing(tol_path, file, "tolerances")
    tolerances = load_tolerances(tol_path if tol_path.exists() else None)
    return Sweep(path, spec, base, rig.path, rig.spec, stages, tolerances)


def _existing(p: Path, file: str, key: str) -> Path:
    if not p.is_file():
        raise ConfigError(file, key, f"{p}: no such file")
    return p


def _stage_files(here: Path, entries: list[str], file: str) -> tuple[Path, ...]:
    out: list[Path] = []
    for i, entry in enumerate(entries):
        p = (here / entry).resolve()
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix in STAGE_SUFFIXES)
            if not found:
                raise ConfigError(file, f"stages[{i}]", f"{p}: no stage files (*.yaml, *.yml) in this folder")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise ConfigError(file, f"stages[{i}]", f"{p}: no such file or folder")
    names = [p.stem for p in out]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(file, "stages", f"two stages are named '{name}' (the stage name is the file name)")
    return tuple(out)
