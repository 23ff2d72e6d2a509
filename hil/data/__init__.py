"""The shipped rigs, DBC, calibrations and stages, found through importlib.resources in every install.

The folders stay at the repository root (`dbc/`, `rigs/`, `calibrations/`, `stages/`). A wheel
carries them as `hil/data/<folder>/` (setup.py maps them there with `package_dir`); in a clone or an
editable install this package adds the repository root to its own search path, so
`importlib.resources.files("hil.data.rigs")` finds the same files in all three cases. Rigs name
their DBC and calibration by relative path (`../dbc/...`), and both layouts keep those paths valid.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from hil.errors import ConfigError

FOLDERS = ("dbc", "rigs", "calibrations", "stages")
DEFAULT_DBC = ("dbc", "d7xr_powertrain.dbc")
DEFAULT_RIG = ("rigs", "virtual.toml")

_REPOSITORY = Path(__file__).resolve().parents[2]
if (_REPOSITORY / "pyproject.toml").is_file() and all((_REPOSITORY / f).is_dir() for f in FOLDERS):
    __path__.append(str(_REPOSITORY))  # a clone or an editable install: the folders sit at the root


def resource(name: str, *parts: str) -> Traversable:
    """A shipped folder or file, e.g. `resource("rigs", "virtual.toml")`, as importlib.resources sees it."""
    if name not in FOLDERS:
        raise ValueError(f"no shipped folder {name!r} (known: {', '.join(FOLDERS)})")
    found = files(f"{__name__}.{name}")
    for part in parts:  # one at a time: Python 3.11's MultiplexedPath.joinpath takes a single name
        found = found / part
    return found


def path(name: str, *parts: str) -> Path:
    """A shipped file on disk, e.g. `path("rigs", "virtual.toml")`.

    Rigs name their DBC and calibration by relative path, so they must be real files: any pip
    install or clone has them on disk; a zipped import would not, and is refused here.
    """
    found = resource(name, *parts)
    if not isinstance(found, Path):
        raise ConfigError(f"hil.data.{name}", "/".join(parts), "the shipped files are not on the file system")
    return found
