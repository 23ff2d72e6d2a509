"""Strict frozen config models and the loader that turns pydantic errors into ConfigError.

Every config file (rig, calibration, tolerances) is a `Strict` model: unknown keys are
errors, NaN and infinities are refused, so neither a typo nor `inf` can pass silently.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from hil.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a rig or calibration is a few kB; anything this big is not one


class Strict(BaseModel):
    """Base for every config section: frozen, no unknown keys, every number finite.

    Every numeric field also carries both bounds of its physical range (`Field(ge=.., le=..)`,
    tuple elements through `hil.config.units`); docs/ranges.md lists them (`python -m hil.config.ranges`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, allow_inf_nan=False)

    def override(self: M, **changes: Any) -> M:
        """A validated copy with some fields changed (variants without copy-paste)."""
        data = self.model_dump()
        data.update(changes)
        return type(self).model_validate(data)


def key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate(model: type[M], data: Any, file: str, error: type[ConfigError] = ConfigError) -> M:
    """Validate `data` into `model`; the first problem becomes `error(file, key, reason)`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(key_path(e["loc"]), _reason(e["type"], e["msg"])) for e in exc.errors()]
        (key, reason), more = problems[0], problems[1:]
        raise error(file, key, reason, more) from None


def _reason(kind: str, msg: str) -> str:
    if kind == "extra_forbidden":
        return "unknown key (typo?)"
    if kind == "missing":
        return "required key is missing"
    return msg.removeprefix("Value error, ")


def read_text(path: Path, error: type[ConfigError] = ConfigError, limit: int = MAX_CONFIG_BYTES) -> str:
    """A config file's text; missing, unreadable, oversized or non-UTF-8 files become `error`."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error(str(path), "", "file not found") from None
    except OSError as exc:
        raise error(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(str(path), "", f"larger than {limit // (1024 * 1024)} MiB: not a config file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(str(path), "", f"not UTF-8 text (byte {exc.start}): a binary file?") from None


def read_toml(path: Path, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    text = read_text(path, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(str(path), "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise error(str(path), "", "not valid TOML: nested too deep") from None


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, hex; what results and the TCU report as 'calibration hash'."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
