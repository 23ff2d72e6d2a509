"""`hil run [RIG]`: run a rig to the end of its stage (virtual time by default) and log every frame."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from hil.app import prepare, session_for, stop_on_signals, write_run_info
from hil.commands.common import add_bus_flags, default_rig, parse_nodes
from hil.config.rig import load_rig
from hil.mqtt.bridge import MqttBridge
from hil.mqtt.service import build_bridge, run_with_bridge, with_mqtt_flag
from hil.results.folder import recording
from hil.results.latency import HandbrakeLatencyObserver
from hil.results.report import write_run_report
from hil.results.summary import RunSummary
from hil.runtime.session import Session
from hil.stage.player import StagePlayer


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run a rig (default rigs/virtual.toml) to the end of its stage",
                       description="Run a rig to the end of its stage or --duration and write a results "
                                   "folder with the CAN log. Virtual rigs run as fast as the CPU allows.")
    p.add_argument("rig", nargs="?", type=Path, help="rig file (default: rigs/virtual.toml)")
    p.add_argument("--stage", type=Path, help="stage file (default: the rig's, else the embedded standing start)")
    p.add_argument("--calibration", type=Path, help="calibration file (overrides the rig's)")
    p.add_argument("--out", type=Path, help="results folder (default: runs/<rig>-<stage>-<time>)")
    p.add_argument("--duration", type=float, metavar="S", help="simulated seconds (default: stage length)")
    p.add_argument("--emulate", help="comma-separated nodes to emulate (overrides the rig)")
    p.add_argument("--mqtt", metavar="HOST[:PORT]", help="MQTT broker for telemetry and commands (overrides [mqtt])")
    add_bus_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rig = load_rig(args.rig or default_rig()).with_flags(
        stage=str(args.stage.resolve()) if args.stage else None,
        calibration=str(args.calibration.resolve()) if args.calibration else None,
        duration_s=args.duration, emulate=parse_nodes(args.emulate),
        interface=args.interface, channel=args.channel, bitrate=args.bitrate,
    )
    rig = with_mqtt_flag(rig, args.mqtt)
    prep = prepare(rig)
    out = args.out or Path("runs") / f"{rig.name}-{prep.stage.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    duration_ns = int(rig.spec.rig.duration_s * 1e9) if rig.spec.rig.duration_s else prep.stage.duration_ns
    summary = RunSummary()
    hhb = prep.calibration.values.hhb
    latency = HandbrakeLatencyObserver(hhb.lever_on_pct, hhb.lever_off_pct)  # lever -> centre -> lock
    wall0 = time.perf_counter()
    player = StagePlayer(prep.stage)
    with session_for(prep, out, player=player) as session:
        session.observers += [summary, latency]
        with recording(session, prep, out, duration_ns) as results:  # events, KPIs, trace, verdicts, progress
            asyncio.run(_run(session, duration_ns, build_bridge(prep, session, player)))
        write_run_info(out, prep, session, duration_ns)
        wall = time.perf_counter() - wall0
        print(f"{rig.name}: {prep.stage.name} on {prep.calibration.values.meta.name} "
              f"({prep.calibration.sha256[:12]}), {duration_ns / 1e9:.1f} s simulated in {wall:.2f} s")
        for line in summary.lines():
            print(line)
        for line in latency.lines():
            print(line)
        h = session.health
        print(f"frames: {h.frames_tx} sent, {h.frames_rx} received, {h.bad_frames} bad, "
              f"{h.tx_errors + h.rx_errors} bus errors")
    print(f"results: {out}  (report: {write_run_report(out)})")
    for v in results.verdicts:
        print(f"{'pass' if v.passed else 'FAIL'}  {v.name}: {v.detail}")
    return 1 if results.failed else 0


async def _run(session: Session, duration_ns: int, bridge: MqttBridge | None) -> None:
    async with stop_on_signals() as stop:
        await run_with_bridge(session, duration_ns, stop, bridge)
