"""`hil` command line: run, serve, check (and more as issues land). Exit codes are a contract.

0 success, 1 a check or expectation failed, 2 bad input (file, flag), 3 bus/runtime failure
or an unexpected error, 130 interrupted by SIGINT, 143 by SIGTERM (a run cut short is never judged).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hil import __version__
from hil.commands import check, compare, diag, init, regress, run, serve, sweep
from hil.errors import HilError
from hil.runtime.outcome import SIGNAL_EXIT

INTERNAL_ERROR_EXIT = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hil", description="d7xr-hil: D7X-R driveline HIL emulator")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, serve, check, compare, regress, init, sweep, diag):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad flags, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except HilError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return SIGNAL_EXIT["SIGINT"]
    except Exception as exc:  # a bug or an environment failure: one line; the traceback is in the results log
        notes = "; ".join(getattr(exc, "__notes__", ()))
        print(f"error: unexpected {type(exc).__name__}: {exc}" + (f" ({notes})" if notes else ""), file=sys.stderr)
        return INTERNAL_ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
