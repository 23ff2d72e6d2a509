"""Loads a stage for a run: the embedded default, or a stage file (format by suffix)."""

from __future__ import annotations

from pathlib import Path

from hil.errors import StageError
from hil.stage.timeline import Timeline, standing_start


def load_stage(path: Path | None) -> Timeline:
    if path is None:
        return standing_start()
    if not path.exists():
        raise StageError(str(path), "", "file not found")
    raise StageError(str(path), "", f"unsupported stage format '{path.suffix}'")
