"""Optional dependencies (pip extras): found without importing them, and one clear line when one is missing.

Each extra adds one kind of output (`pip install 'd7xr-hil[parquet]'`, ... or `[all]`). Without it
that output is skipped: one warning line through logging, once per process, never a traceback.
"""

from __future__ import annotations

import importlib.util
import logging

from hil.errors import HilError

# extra -> (the module it brings, what it is for)
EXTRAS: dict[str, tuple[str, str]] = {
    "parquet": ("pyarrow", "Parquet traces"),
    "plots": ("matplotlib", "PNG plots"),
    "mqtt": ("aiomqtt", "the MQTT bridge"),
    "mf4": ("asammdf", "MF4 CAN logs"),
}

log = logging.getLogger("hil")
_warned: set[str] = set()


class MissingExtraError(HilError, ImportError):
    """Something the user asked for needs an extra that is not installed."""

    exit_code = 2

    def __init__(self, extra: str) -> None:
        self.extra = extra
        super().__init__(f"{EXTRAS[extra][1]} need the [{extra}] extra: pip install 'd7xr-hil[{extra}]'")


def available(extra: str) -> bool:
    """Is the extra's module importable? (Looks it up without importing it: start-up stays fast.)"""
    module = EXTRAS[extra][0]
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # a module whose spec is unset (sys.modules[name] = None) is as good as absent
        return False


def require(extra: str) -> None:
    if not available(extra):
        raise MissingExtraError(extra)


def skipped(extra: str, what: str) -> None:
    """Say once per process that `what` was skipped for want of `extra`."""
    if extra not in _warned:
        _warned.add(extra)
        log.warning("%s skipped: needs the [%s] extra (pip install 'd7xr-hil[%s]')", what, extra, extra)
