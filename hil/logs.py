"""hil's messages go through `logging` (the "hil" logger): results at INFO on stdout, problems on stderr.

`-q` keeps only problems (warnings and errors); `-v` adds detail (DEBUG: which files, which bus,
timings). Library users get no output unless they configure logging themselves.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("hil")
_PREFIX = {logging.WARNING: "warning: ", logging.ERROR: "error: ", logging.CRITICAL: "error: "}


class _ConsoleHandler(logging.Handler):
    """INFO and DEBUG to stdout, WARNING and up to stderr; the streams are looked up at each message
    (so a test's captured streams, or a redirected sys.stdout, get them)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            if record.levelno >= logging.WARNING:
                stream, text = sys.stderr, _PREFIX.get(record.levelno, "") + text
            else:
                stream = sys.stdout
                if record.levelno < logging.INFO:
                    text = f"debug[{record.name}]: {text}"
            stream.write(text + "\n")
            stream.flush()
        except Exception:  # logging must never take the run down
            self.handleError(record)


def setup(verbosity: int) -> None:
    """verbosity -1 (-q): problems only; 0: results; 1 (-v) and more: details."""
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    for handler in [h for h in log.handlers if isinstance(h, _ConsoleHandler)]:
        log.removeHandler(handler)
    log.addHandler(_ConsoleHandler())
    log.setLevel(level)
    log.propagate = False


def quiet() -> bool:
    """-q was given: commands that print tables (rich) print nothing but problems."""
    return log.getEffectiveLevel() > logging.INFO
