"""`hil serve RIG`: emulate nodes against a real or external bus in real time until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from hil.bus.codec import MessageSpec, Signals
from hil.commands.common import add_bus_flags, add_out_flags, parse_nodes
from hil.config.rig import load_rig
from hil.logs import log
from hil.results.outdir import prepare_out_dir
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="emulate a rig's nodes on a bus in real time until stopped",
                       description="Run the emulated nodes of a rig in real time against a real or "
                                   "external bus until Ctrl-C or SIGTERM (its normal stop: exit 0).")
    p.add_argument("rig", type=Path, help="rig file (TOML)")
    p.add_argument("--emulate", help="comma-separated nodes to emulate, e.g. TCU,HHB,DCU")
    add_out_flags(p, "folder for the CAN log and run.json", "runs/serve-<rig>-<time>")
    p.add_argument("--duration", type=float, metavar="S", help="stop by itself after S seconds")
    p.add_argument("--stage", type=Path, help="stage file the emulated driver/plant play")
    p.add_argument("--calibration", type=Path, help="calibration file (overrides the rig's)")
    p.add_argument("--mqtt", metavar="HOST[:PORT]", help="MQTT broker for telemetry and commands (overrides [mqtt])")
    add_bus_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rig = load_rig(args.rig).with_flags(
        time="real", emulate=parse_nodes(args.emulate),
        stage=str(args.stage.resolve()) if args.stage else None,
        calibration=str(args.calibration.resolve()) if args.calibration else None,
        interface=args.interface, channel=args.channel, bitrate=args.bitrate,
    ).with_broker(args.mqtt)
    prep = prepare(rig)
    out = prepare_out_dir(args.out or Path("runs") / f"serve-{rig.name}-{time.strftime('%Y%m%d-%H%M%S')}",
                          force=args.force)
    until = None if args.duration is None else int(args.duration * 1e9)
    the_rig = asyncio.run(_serve(prep, out, until))
    outcome, h = the_rig.outcome, the_rig.health
    assert outcome is not None
    lat = the_rig.run_info(outcome).get("lateness_ms", {})
    if the_rig.bridge is not None:
        log.info("%s", the_rig.bridge.summary())
    log.info("stopped after %.1f s (%s): %d sent, %d received, %d bad, %d tx errors, %d rx errors; "
             "lateness p99 %.3f ms", outcome.reached_ns / 1e9, outcome.reason, h.frames_tx, h.frames_rx,
             h.bad_frames, h.tx_errors, h.rx_errors, lat.get("p99", 0))
    return 0


def _report_on_stderr(text: str) -> None:
    log.warning("%s", text)


class _FirstFrame:
    """Says (at -v) when the first frame is on the bus: the start-up benchmark waits for this line."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        if not self.seen:
            self.seen = True
            log.debug("first frame on the bus: %s", spec.name)


async def _serve(prep: Prepared, out: Path, until_ns: int | None) -> Rig:
    spec = prep.rig.spec
    async with Rig(prep, out=out, until_ns=until_ns, results=False, handle_signals=True) as rig:
        rig.session.on_bus_state = _report_on_stderr
        rig.observe(_FirstFrame())
        log.info("serving %s on %s:%s (Ctrl-C to stop)", ",".join(spec.rig.emulate), spec.bus["interface"],
                 spec.bus.get("channel"))
        await rig.run()
    return rig
