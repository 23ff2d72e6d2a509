"""Strict frozen config models and the loader that turns pydantic errors into ConfigError.

Every config file (rig, calibration, tolerances) is a `Strict` model: unknown keys are
errors, so a typo can never pass silently.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from hil.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base for every config section: frozen, no unknown keys, no silent coercion of strings."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

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


def read_toml(path: Path, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(str(path), "", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(str(path), "", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(str(path), "", f"cannot read: {exc.strerror}") from None


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, hex; what results and the TCU report as 'calibration hash'."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
