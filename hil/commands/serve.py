"""`hil serve RIG`: emulate nodes against a real or external bus in real time until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from hil.app import prepare, session_for, stop_on_signals, write_run_info
from hil.commands.common import add_bus_flags, parse_nodes
from hil.config.rig import load_rig
from hil.mqtt.bridge import MqttBridge
from hil.mqtt.service import build_bridge, run_with_bridge, with_mqtt_flag
from hil.runtime.clock import RealTimeClock
from hil.runtime.session import Session
from hil.stage.player import StagePlayer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="emulate a rig's nodes on a bus in real time until stopped",
                       description="Run the emulated nodes of a rig in real time against a real or "
                                   "external bus until Ctrl-C or SIGTERM; exit 0 on a clean stop.")
    p.add_argument("rig", type=Path, help="rig file (TOML)")
    p.add_argument("--emulate", help="comma-separated nodes to emulate, e.g. TCU,HHB,DCU")
    p.add_argument("--out", type=Path, help="results folder for the CAN log (default: runs/serve-<rig>-<time>)")
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
    )
    rig = with_mqtt_flag(rig, args.mqtt)
    prep = prepare(rig)
    out = args.out or Path("runs") / f"serve-{rig.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    player = StagePlayer(prep.stage)
    with session_for(prep, out, player=player) as session:
        bridge = build_bridge(prep, session, player)
        session.on_bus_state = _report_on_stderr
        print(f"serving {','.join(rig.spec.rig.emulate)} on {rig.spec.bus['interface']}:"
              f"{rig.spec.bus.get('channel')} (Ctrl-C to stop)", flush=True)
        try:
            asyncio.run(_serve(session, args.duration, bridge))
        finally:
            elapsed = session.clock.now_ns()
            write_run_info(out, prep, session, elapsed)
            h = session.health
            lat = session.clock.lateness.summary_ms() if isinstance(session.clock, RealTimeClock) else {}
            print(f"stopped after {elapsed / 1e9:.1f} s: {h.frames_tx} sent, {h.frames_rx} received, "
                  f"{h.bad_frames} bad, {h.tx_errors} tx errors, {h.rx_errors} rx errors; "
                  f"lateness p99 {lat.get('p99', 0):.3f} ms", flush=True)
    return 0


def _report_on_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def _serve(session: Session, duration_s: float | None, bridge: MqttBridge | None) -> None:
    async with stop_on_signals() as stop:
        await run_with_bridge(session, None if duration_s is None else int(duration_s * 1e9), stop, bridge)
