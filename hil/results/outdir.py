"""The results folder a run writes into: fresh, or reused only with --force (emptied first); every
file a rig names resolves inside it. Unwritable folders fail here, before any frame is sent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from hil.errors import ConfigError, ResultsError, UsageError

MARKER = ".hil-results"  # written first into every results folder: --force empties only these


def prepare_out_dir(path: Path, *, force: bool = False) -> Path:
    """Create (or, with `force`, empty) the results folder `path`; raises with the path and reason."""
    if path.exists() and not path.is_dir():
        raise ResultsError(f"--out {path}: is a file, not a folder")
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise UsageError(f"--out {path}: folder exists and is not empty (add --force to empty it first)")
        if not (path / MARKER).is_file():
            raise UsageError(f"--out {path}: not a results folder of hil (no {MARKER}); refusing to empty it")
        _empty(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / MARKER).write_text("d7xr-hil results folder; `hil run --force` may empty it\n")
    except OSError as exc:
        raise ResultsError(f"--out {path}: cannot write: {_reason(exc)}") from None
    return path


def _empty(path: Path) -> None:
    for entry in path.iterdir():
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()  # a symlink goes, never what it points to
        except OSError as exc:
            raise ResultsError(f"--out {path}: cannot empty ({entry.name}): {_reason(exc)}") from None


def inside(folder: Path, relative: str, file: str, key: str) -> Path:
    """`folder/relative` with symlinks resolved, refused (ConfigError naming file and key) outside `folder`."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ConfigError(file, key, f"'{relative}' resolves to {target}, outside the results folder {folder}")
    return target


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)  # "No space left on device", "Read-only file system", ...


def write_file(path: Path, text: str) -> Path:
    """A results file whole or not at all: written next to it, then renamed over it; a full or
    read-only disk is one ResultsError (and no empty or cut-off file)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text)
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ResultsError(f"{path}: cannot write: {_reason(exc)}") from None
    return path
