"""`hil init DIR`: a starter rig folder (rigs, DBC, calibrations, stages) to edit and run.

The files are the ones shipped in the package (hil.data), laid out as in the repository, so the
rigs' relative paths hold and `hil run` inside DIR picks up DIR's own `rigs/virtual.toml`.
"""

from __future__ import annotations

import argparse
from importlib.resources.abc import Traversable
from pathlib import Path

from hil import data
from hil.errors import ConfigError
from hil.logs import log

_GUIDE = """\
# {name}: a d7xr-hil rig folder

Written by `hil init`; every file is yours to edit.

    rigs/          which bus, which nodes are emulated here, which clock (virtual.toml is the default)
    dbc/           the CAN database (message and signal names are the contract; layouts are yours)
    calibrations/  rally.toml (D7X-R) and road.toml (production baseline), one section per model
    stages/        scripted rally stages with their expectations, and tolerances.toml for `hil compare`

    hil run                                    # rigs/virtual.toml, embedded standing start
    hil run --stage stages/hairpins.yaml       # one stage; results under runs/
    hil check rigs/virtual.toml                # validate a rig and every file it names
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="write a starter rig folder (rigs, DBC, calibrations, stages)",
                       description="Write a starter rig folder to edit: the shipped rigs, DBC, calibrations "
                                   "and stages. DIR must not exist or be empty; nothing is ever overwritten.")
    p.add_argument("dir", type=Path, help="folder to create")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    written = init_folder(args.dir)
    log.info("wrote %d files to %s/ (%s, README.md)", len(written), args.dir, ", ".join(f"{f}/" for f in data.FOLDERS))
    log.info("next: cd %s && hil run", args.dir)
    return 0


def init_folder(target: Path) -> list[Path]:
    """Copy the shipped folders into `target` (new or empty); returns the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(str(target), "", "exists and is not an empty folder (hil init never overwrites)")
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in data.FOLDERS:
        written += _copy_tree(data.resource(name), target / name)
    guide = target / "README.md"
    guide.write_text(_GUIDE.format(name=target.resolve().name))
    return [*written, guide]


def _copy_tree(source: Traversable, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.name.startswith((".", "__")):  # __pycache__, __init__.py, editor files
            continue
        if item.is_dir():
            written += _copy_tree(item, dest / item.name)
        else:
            (dest / item.name).write_bytes(item.read_bytes())
            written.append(dest / item.name)
    return written
