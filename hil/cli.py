"""`hil` command line: run, serve, check (and more as issues land). Exit codes are a contract.

0 success, 1 a check or expectation failed, 2 bad input (file, flag), 3 bus/runtime failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hil import __version__
from hil.commands import check, compare, init, regress, run, serve, sweep
from hil.errors import HilError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hil", description="d7xr-hil: D7X-R driveline HIL emulator")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, serve, check, compare, regress, init, sweep):
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
        return 0


if __name__ == "__main__":
    sys.exit(main())
