"""`hil diag RIG [--node TCU] read-dtc | clear-dtc | read-did 0xF190 | session extended`: a UDS
tester on the rig's bus, for a person at the bench (the controllers may be emulated or real)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hil.commands.common import add_bus_flags
from hil.config.rig import load_rig
from hil.diag.catalog import catalog
from hil.diag.tester import describe_did, read_did, read_dtcs, uds_client
from hil.errors import UsageError
from hil.runtime.prepare import open_bus

SESSIONS = {"default": 0x01, "extended": 0x03}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("diag", help="UDS tester: read/clear DTCs, read DIDs, change session",
                       description="Talk UDS (ISO 14229) over ISO-TP to one controller on the rig's bus. "
                                   "Exit 0 on a positive answer, 1 on a negative one, 3 on no answer.")
    p.add_argument("rig", type=Path, help="rig file (TOML): the bus to talk on")
    p.add_argument("--node", default="TCU", type=str.upper, choices=sorted(catalog()), help="controller")
    p.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for an answer (default 1)")
    add_bus_flags(p)
    what = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    rd = what.add_parser("read-dtc", help="DTCs whose status matches a mask (0x19 0x02)")
    rd.add_argument("--mask", default="0xFF", help="status mask (default 0xFF: any bit)")
    what.add_parser("clear-dtc", help="clear every DTC (0x14, group 0xFFFFFF)")
    did = what.add_parser("read-did", help="read one data identifier (0x22)")
    did.add_argument("did", help="e.g. 0xF190 (VIN)")
    ses = what.add_parser("session", help="DiagnosticSessionControl (0x10)")
    ses.add_argument("session", choices=sorted(SESSIONS))
    p.set_defaults(handler=run)


def _hex(text: str, what: str, top: int) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise UsageError(f"{what}: expected a number such as 0x{top:X}, got {text!r}") from None
    if not 0 <= value <= top:
        raise UsageError(f"{what}: 0x{value:X} is outside 0..0x{top:X}")
    return value


def run(args: argparse.Namespace) -> int:
    rig = load_rig(args.rig).with_flags(
        interface=args.interface, channel=args.channel, bitrate=args.bitrate)
    mask = _hex(args.mask, "--mask", 0xFF) if args.action == "read-dtc" else 0
    did = _hex(args.did, "DID", 0xFFFF) if args.action == "read-did" else 0
    bus = open_bus(rig)
    try:
        with uds_client(bus, args.node, args.timeout) as client:
            if args.action == "read-dtc":
                dtcs = read_dtcs(client, args.node, mask)
                print(f"{args.node}: {len(dtcs)} DTC(s) matching status mask 0x{mask:02X}")
                for reading in dtcs:
                    print(f"  {reading.line()}")
            elif args.action == "clear-dtc":
                client.clear_dtc(0xFFFFFF)
                print(f"{args.node}: DTCs cleared")
            elif args.action == "read-did":
                print(f"{args.node}: {describe_did(did, read_did(client, did))}")
            else:
                client.change_session(SESSIONS[args.session])
                print(f"{args.node}: {args.session} session")
    finally:
        bus.shutdown()
    return 0
