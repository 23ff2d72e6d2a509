"""Loads a stage for a run: the embedded default, or a stage file (format by suffix)."""

from __future__ import annotations

from pathlib import Path

from hil.bus.codec import Codec
from hil.errors import StageError
from hil.stage.compile import Compiler
from hil.stage.inputs import read_csv
from hil.stage.script import load_script
from hil.stage.timeline import Timeline, standing_start

NS = 1_000_000_000


def load_stage(path: Path | None, codec: Codec | None = None) -> Timeline:
    """A stage script (.yaml/.yml) or a bare CSV time series; `codec` checks the expectations."""
    if path is None:
        return standing_start()
    if not path.exists():
        raise StageError(str(path), "", "file not found")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_script(path, codec)
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StageError(str(path), "", f"cannot read: {exc}") from None
        comp = Compiler()
        end = read_csv(text, str(path), comp)
        return comp.build(path.stem, end + NS)
    raise StageError(str(path), "", f"unsupported stage format '{path.suffix}' (use .yaml, .yml or .csv)")
