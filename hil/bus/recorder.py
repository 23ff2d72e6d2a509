"""Every frame on the bus, sent and received, through python-can's writers (format by suffix)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import can

from hil import extras
from hil.errors import ConfigError


class Recorder:
    """A python-can log writer that is flushed and closed on every exit path."""

    def __init__(self, path: Path) -> None:
        suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
        if suffix.removesuffix(".gz") not in {".asc", ".blf", ".log", ".csv", ".mf4", ".trc", ".txt"}:
            raise ConfigError(str(path), "log", f"unsupported CAN log format '{suffix}'")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.count = 0
        self._writer: can.Listener | None = None
        if suffix == ".mf4" and not extras.available("mf4"):
            extras.skipped("mf4", f"CAN log {path.name}")  # python-can's MF4 writer needs asammdf
            return
        self._writer = can.Logger(str(path))

    @property
    def written(self) -> bool:
        """False when the log was skipped for want of an extra."""
        return self._writer is not None

    def write(self, msg: can.Message) -> None:
        if self._writer is not None:
            self._writer.on_message_received(msg)
            self.count += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
