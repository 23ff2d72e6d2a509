"""Expand a sweep's parameters into calibration variants, each validated like a calibration file.

Axes multiply (a grid): a list is taken as given, `{range, steps}` is evenly spaced, and
`{range, samples}` draws seeded random values (one generator per key, so adding a parameter
never changes another's draws). A variant's calibration is written as TOML; the SHA-256 of
those bytes is its calibration hash, as `hil run --calibration` of that file would report.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hil.config.calibration import CalibrationSet
from hil.config.overrides import Value, value_at, with_values
from hil.config.toml_text import dumps
from hil.errors import ConfigError
from hil.sweep.spec import Axis, Sweep

BASE = "base"
FLOAT_DECIMALS = 6  # random draws are rounded so the table, the TOML and the hash stay readable


@dataclass(frozen=True)
class Variant:
    name: str                 # "base", "v001", ...
    params: dict[str, Any]    # dotted key -> value: the parameter columns of the table
    toml: str                 # the calibration file a run of this variant loads
    sha256: str


def expand(sweep: Sweep) -> list[Variant]:
    """The base (its file as it is) and every grid point, in file order; ConfigError on the first bad one."""
    base = sweep.base.values
    file = str(sweep.path)
    axes = {key: axis_values(key, spec, _base_value(base, key, file), sweep.spec.seed, file)
            for key, spec in sweep.spec.parameters.items()}
    base_text = sweep.base.path.read_bytes().decode("utf-8")  # bytes as they are: the file hash holds
    out = [Variant(BASE, {k: value_at(base, k) for k in axes}, base_text, sweep.base.sha256)]
    points = list(itertools.product(*axes.values()))
    width = max(3, len(str(len(points))))
    for i, point in enumerate(points, start=1):
        name = f"v{i:0{width}d}"
        params = dict(zip(axes, point, strict=True))
        values = variant_values(base, params, file, name)
        text = dumps(values.model_dump(mode="json"))
        out.append(Variant(name, params, text, _sha(text)))
    return out


def variant_values(base: CalibrationSet, params: Mapping[str, Value], file: str, name: str) -> CalibrationSet:
    """The base with a variant's values, checked as a whole; the error names the key and the variant."""
    try:
        return with_values(base, params, file)
    except ConfigError as exc:
        key = f"parameters.{exc.key}" if exc.key in params else exc.key
        shown = ", ".join(f"{k} = {v!r}" for k, v in params.items())
        raise ConfigError(file, key, f"{exc.reason} (variant {name}: {shown})") from None


def axis_values(key: str, spec: list[Any] | Axis, base_value: Any, seed: int, file: str) -> list[Any]:
    if isinstance(spec, list):
        return spec
    lo, hi = spec.range
    integer = isinstance(base_value, int) and not isinstance(base_value, bool)
    if spec.steps is not None:
        values: list[Any] = [lo + (hi - lo) * i / (spec.steps - 1) for i in range(spec.steps)]
        values = [round(v) for v in values] if integer else [round(v, FLOAT_DECIMALS) for v in values]
        if len(set(values)) < len(values):
            raise ConfigError(file, f"parameters.{key}.steps", f"{spec.steps} integer steps do not fit in "
                              f"{lo:g}..{hi:g}")
        return values
    assert spec.samples is not None  # Axis checks that one of steps/samples is given
    rng = random.Random(f"{seed}:{key}")  # str seeds are hashed with SHA-512: stable across runs and hosts
    if integer:
        return [rng.randint(round(lo), round(hi)) for _ in range(spec.samples)]
    return [round(rng.uniform(lo, hi), FLOAT_DECIMALS) for _ in range(spec.samples)]


def _base_value(base: CalibrationSet, key: str, file: str) -> Any:
    node: Any = base.model_dump(mode="json")  # stored fields only: a derived property is not a key
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(file, f"parameters.{key}", "no such calibration key")
        node = node[part]
    if isinstance(node, dict):
        raise ConfigError(file, f"parameters.{key}", "names a calibration section, not a value")
    return node


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
