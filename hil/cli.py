"""`hil` command line: run, serve, check (and more as issues land). Exit codes are a contract.

0 success, 1 a check or expectation failed, 2 bad input (file, flag), 3 bus/runtime failure
or an unexpected error, 130 interrupted by SIGINT, 143 by SIGTERM (a run cut short is never judged).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
from collections.abc import Iterator, Sequence

from hil import logs
from hil.errors import HilError
from hil.runtime.outcome import SIGNAL_EXIT
from hil.version import __version__

INTERNAL_ERROR_EXIT = 3
log = logs.log


class Terminated(BaseException):
    """SIGTERM outside a Rig (which handles it itself): unwinds like Ctrl-C, so every `finally`
    runs (regress stops its workers, files are closed), and the command exits 143."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (an embedding application): leave its handling alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

# name -> (module, one-line help). Only the chosen command's module is imported, so `hil --help` and
# the start of every command stay fast (no cantools, pydantic or python-can until they are needed).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("hil.commands.run", "run a rig (default rigs/virtual.toml) to the end of its stage"),
    "serve": ("hil.commands.serve", "emulate a rig's nodes on a bus in real time until stopped"),
    "check": ("hil.commands.check", "validate a rig and every file it names"),
    "compare": ("hil.commands.compare", "compare the KPIs of two results folders (exit 1 on a regression)"),
    "regress": ("hil.commands.regress", "run a stage suite with a candidate calibration and judge every KPI"),
    "init": ("hil.commands.init", "write a starter rig folder (rigs, DBC, calibrations, stages)"),
    "analyze": ("hil.commands.analyze", "turn a recorded bus log into a results folder (KPIs, events, verdicts)"),
    "sweep": ("hil.commands.sweep", "run calibration variants over stages on a Dask cluster, one results table"),
    "diag": ("hil.commands.diag", "UDS tester: read/clear DTCs, read DIDs, change session"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command` (if given) gets its full arguments, the rest are names with their help."""
    parser = argparse.ArgumentParser(prog="hil", description="d7xr-hil: D7X-R driveline HIL emulator")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        if name == command:
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name, help=summary)
    # -q / -v on every command, before or after its name (own dests: a subparser's defaults would
    # overwrite what was counted before the command name)
    for prefix, p in (("top_", parser), *(("", c) for c in sub.choices.values())):
        p.add_argument("-q", "--quiet", dest=f"{prefix}quiet", action="count", default=0,
                       help="only warnings and errors")
        p.add_argument("-v", "--verbose", dest=f"{prefix}verbose", action="count", default=0,
                       help="more detail (-vv: even more)")
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if a in COMMANDS), None)


def main(argv: Sequence[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(args_in))
    try:
        args = parser.parse_args(args_in)
    except SystemExit as exc:  # argparse exits 2 on bad flags, 0 on --help
        return int(exc.code or 0)
    verbosity = args.top_verbose + args.verbose - args.top_quiet - args.quiet
    logs.setup(min(verbosity, -1) if getattr(args, "json", False) else verbosity)  # --json: stdout is the JSON
    try:
        with _sigterm_unwinds():
            return int(args.handler(args))
    except HilError as exc:
        log.error("%s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.warning("interrupted")
        return SIGNAL_EXIT["SIGINT"]
    except Terminated:
        log.warning("terminated")
        return SIGNAL_EXIT["SIGTERM"]
    except Exception as exc:  # a bug or an environment failure: one line; the traceback is in the results log
        notes = "; ".join(getattr(exc, "__notes__", ()))
        log.error("unexpected %s: %s%s", type(exc).__name__, exc, f" ({notes})" if notes else "")
        return INTERNAL_ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
