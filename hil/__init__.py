"""d7xr-hil: hardware-in-the-loop emulator for the Defender D7X-R driveline controllers.

The Python API (documented in hil/api.py and the README) is re-exported here, loaded on first use so
that `import hil` (and the `hil` command's start-up) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hil.version import __version__

if TYPE_CHECKING:
    from hil.api import (
        Event,
        Prepared,
        Results,
        Rig,
        RigConfig,
        Verdict,
        load_results,
        load_rig,
        prepare,
        read_signal,
        run_stage,
    )
    from hil.errors import ConfigError, HilError

__all__ = ["ConfigError", "Event", "HilError", "Prepared", "Results", "Rig", "RigConfig", "Verdict", "__version__",
           "load_results", "load_rig", "prepare", "read_signal", "run_stage"]


def __getattr__(name: str) -> Any:
    if name in ("HilError", "ConfigError"):
        from hil import errors  # noqa: PLC0415 - lazy re-export

        return getattr(errors, name)
    if name in __all__:
        from hil import api  # noqa: PLC0415 - lazy re-export: the API pulls in cantools, pydantic, python-can

        return getattr(api, name)
    raise AttributeError(f"module 'hil' has no attribute {name!r}")
