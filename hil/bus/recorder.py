"""Every frame on the bus, sent and received, through python-can's writers (format by suffix).

Text logs (.log, .asc, .csv, .trc, .txt) reach the disk in whole lines only: a full disk, a
read-only folder or a SIGKILL leaves every complete line and never a cut-off one.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
from pathlib import Path
from types import TracebackType

import can
from can.util import channel2int

from hil import extras
from hil.bus.logwriter import FastCanutilsLogWriter
from hil.errors import ConfigError, ResultsError

TEXT_FORMATS = {".asc": can.ASCWriter, ".csv": can.CSVWriter, ".log": FastCanutilsLogWriter,
                ".trc": can.TRCWriter, ".txt": can.Printer}
FORMATS = {*TEXT_FORMATS, ".blf", ".mf4"}
_FLUSH_CHARS = 16_384  # a few hundred frames: what a SIGKILL can cost at most


class LineFile(io.TextIOBase):
    """A write-only text file that reaches the disk in whole lines; a failed write is cut back to
    the last complete line and raised once as ResultsError (later writes are dropped)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        self._pending: list[str] = []
        self._chars = 0
        self._offset = 0  # bytes on disk, all of them whole lines
        self._crlf = False
        self.failed: OSError | None = None

    @property
    def name(self) -> str:
        return str(self.path)

    def writable(self) -> bool:
        return True

    def reconfigure(self, *, newline: str | None = None) -> None:
        """TRC files end their lines with CR LF (python-can asks for it this way)."""
        self._crlf = newline == "\r\n"

    def write(self, s: str) -> int:
        if self.failed is None:
            self._pending.append(s.replace("\n", "\r\n") if self._crlf else s)
            self._chars += len(s)
            if self._chars >= _FLUSH_CHARS:
                self._drain(whole_lines=True)
        return len(s)

    def tell(self) -> int:
        return self._offset + self._chars

    def flush(self) -> None:
        if self.failed is None and not self.closed:
            self._drain(whole_lines=True)

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self.failed is None:
                self._drain(whole_lines=False)
        finally:
            os.close(self._fd)
            super().close()

    def _drain(self, whole_lines: bool) -> None:
        text = "".join(self._pending)
        cut = text.rfind("\n") + 1 if whole_lines else len(text)
        self._pending = [text[cut:]] if cut < len(text) else []
        self._chars = len(text) - cut
        data = memoryview(text[:cut].encode())
        done = 0
        while done < len(data):
            try:
                done += os.write(self._fd, data[done:])
            except InterruptedError:
                continue
            except OSError as exc:
                # keep what is whole: cut the file back to the end of the last complete line
                with contextlib.suppress(OSError):  # not a regular file (/dev/full): nothing to cut
                    os.ftruncate(self._fd, self._offset + bytes(data[:done]).rfind(b"\n") + 1)
                self.failed, self._pending, self._chars = exc, [], 0
                raise ResultsError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._offset += len(data)


class Recorder:
    """A python-can log writer that is flushed and closed on every exit path."""

    def __init__(self, path: Path) -> None:
        suffix = "".join(path.suffixes[-2:]) if path.suffix == ".gz" else path.suffix
        if suffix.removesuffix(".gz") not in FORMATS:
            raise ConfigError(str(path), "log", f"unsupported CAN log format '{suffix}'")
        self.path = path
        self.count = 0
        self._file: LineFile | None = None
        self._writer: can.Listener | None = None
        self._binary = suffix.removesuffix(".gz") == ".blf"
        self._channels: dict[object, bool] = {}
        if suffix == ".mf4" and not extras.available("mf4"):
            extras.skipped("mf4", f"CAN log {path.name}")  # python-can's MF4 writer needs asammdf
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if suffix in TEXT_FORMATS:
                self._file = LineFile(path)
                self._writer = TEXT_FORMATS[suffix](file=self._file)
            else:  # binary or compressed: python-can's own file handling
                self._writer = can.Logger(str(path))
        except OSError as exc:
            raise ResultsError(f"{path}: cannot write: {exc.strerror or exc}") from None

    def _channel_fits(self, channel: object) -> bool:
        """BLF stores a channel as a 16-bit number, read from a name's trailing digits ('gate-b01a548092'
        -> 548092, which would crash python-can's writer): those channels are left out of the log."""
        fits = self._channels.get(channel)
        if fits is None:
            number = channel2int(channel)  # type: ignore[arg-type]
            fits = self._channels[channel] = number is None or 0 <= number < 0xFFFF
        return fits

    @property
    def written(self) -> bool:
        """False when the log was skipped for want of an extra."""
        return self._writer is not None

    def write(self, msg: can.Message) -> None:
        if self._writer is None:
            return
        if self._binary and msg.channel is not None and not self._channel_fits(msg.channel):
            msg = copy.copy(msg)  # sent already: the log gets a copy without the channel it cannot hold
            msg.channel = None
        try:
            self._writer.on_message_received(msg)
        except ResultsError:
            raise
        except OSError as exc:  # binary writers: disk full, folder gone
            raise ResultsError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self.count += 1

    def flush(self) -> None:
        """Whole lines to the disk now (a long real-time run calls this now and then)."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flush and close; after a failed write only closes (the error was raised once already)."""
        if self._writer is None:
            return
        try:
            self._writer.stop()
        except ResultsError:
            raise
        except OSError as exc:
            if self._file is None or self._file.failed is None:
                raise ResultsError(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
