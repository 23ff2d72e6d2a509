"""Sweep files for the tests: absolute paths to the repository's calibration and stages, short stages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support import RALLY, ROOT, VIRTUAL_RIG

STAGES = ROOT / "stages"


def sweep_file(tmp: Path, parameters: dict[str, Any], *, stages: tuple[str, ...] = ("standing_start",),
               duration_s: float | None = 3.0, name: str = "sweep.yaml", **extra: Any) -> Path:
    data: dict[str, Any] = {
        "base": str(RALLY),
        "stages": [str(STAGES / f"{s}.yaml") for s in stages],
        "parameters": parameters,
        "tolerances": str(STAGES / "tolerances.toml"),
        "seed": 1,
        **extra,
    }
    if duration_s is not None:
        data["duration_s"] = duration_s
    path = tmp / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


__all__ = ["RALLY", "STAGES", "VIRTUAL_RIG", "sweep_file"]
