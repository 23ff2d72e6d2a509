"""One error family for d7xr-hil; the CLI maps each branch to an exit code.

Bad frames on the wire are never raised: they are counted (see hil.bus.health).
"""

from __future__ import annotations


class HilError(Exception):
    """Root of every error d7xr-hil raises on purpose."""

    exit_code = 3


class ConfigError(HilError, ValueError):
    """A file the user gave us is wrong: names the file, the key and the reason."""

    exit_code = 2

    def __init__(self, file: str, key: str, reason: str, more: list[tuple[str, str]] | None = None) -> None:
        self.file = file
        self.key = key
        self.reason = reason
        self.more = more or []  # further (key, reason) problems found in the same file
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {reason}")

    def lines(self) -> list[str]:
        """One line per problem, as `hil check` prints them."""
        return [str(self)] + [f"{self.file}: {k}: {r}" if k else f"{self.file}: {r}" for k, r in self.more]


class RigError(ConfigError):
    """A rig file is invalid."""


class CalibrationError(ConfigError):
    """A calibration file is invalid."""


class StageError(ConfigError):
    """A stage script is invalid."""


class DbcError(ConfigError):
    """A DBC file does not load or breaks the CAN contract."""


class FaultError(ConfigError):
    """A fault (stage file, MQTT command or API) is invalid; nothing of it was applied."""


class UsageError(HilError, ValueError):
    """A command-line flag is wrong."""

    exit_code = 2


class BusError(HilError, OSError):
    """The CAN bus could not be opened or failed for good."""

    exit_code = 3


class ResultsError(HilError, OSError):
    """The results folder cannot be written (a file, read-only, full): names the path and the reason."""

    exit_code = 3


class CheckFailedError(HilError):
    """A check or expectation failed (not an error in the tool)."""

    exit_code = 1
