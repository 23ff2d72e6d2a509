"""`hil run [RIG]`: run a rig to the end of its stage (virtual time by default) into a results folder."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from hil.commands.common import add_bus_flags, add_out_flags, default_rig, parse_nodes
from hil.config.rig import load_rig
from hil.logs import log
from hil.results import summaries
from hil.results.latency import HandbrakeLatencyObserver
from hil.results.outdir import prepare_out_dir
from hil.results.progress import run_progress
from hil.results.report import write_run_report
from hil.results.summary import RunSummary
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run a rig (default rigs/virtual.toml) to the end of its stage",
                       description="Run a rig to the end of its stage or --duration and write a results "
                                   "folder with the CAN log. Virtual rigs run as fast as the CPU allows. "
                                   "Exit 0: every expectation passed, 1: one failed, 2: bad input, "
                                   "3: bus or internal error, 130/143: interrupted (SIGINT/SIGTERM; not judged).")
    p.add_argument("rig", nargs="?", type=Path, help="rig file (default: rigs/virtual.toml)")
    p.add_argument("--stage", type=Path, help="stage file (default: the rig's, else the embedded standing start)")
    p.add_argument("--calibration", type=Path, help="calibration file (overrides the rig's)")
    add_out_flags(p, "results folder", "runs/<rig>-<stage>-<time>")
    p.add_argument("--duration", type=float, metavar="S", help="simulated seconds (default: stage length)")
    p.add_argument("--emulate", help="comma-separated nodes to emulate (overrides the rig)")
    p.add_argument("--mqtt", metavar="HOST[:PORT]|mqtt[s]://HOST[:PORT]",
                   help="MQTT broker for telemetry and commands (overrides [mqtt])")
    p.add_argument("--json", action="store_true", help="print one JSON summary on stdout (and nothing else)")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="append a Markdown summary (CI step page)")
    add_bus_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rig = load_rig(args.rig or default_rig()).with_flags(
        stage=str(args.stage.resolve()) if args.stage else None,
        calibration=str(args.calibration.resolve()) if args.calibration else None,
        duration_s=args.duration, emulate=parse_nodes(args.emulate),
        interface=args.interface, channel=args.channel, bitrate=args.bitrate,
    ).with_broker(args.mqtt)
    prep = prepare(rig)
    out = prepare_out_dir(args.out or Path("runs") / f"{rig.name}-{prep.stage.name}-{time.strftime('%Y%m%d-%H%M%S')}",
                          force=args.force)
    summary = RunSummary()
    hhb = prep.calibration.values.hhb
    latency = HandbrakeLatencyObserver(hhb.lever_on_pct, hhb.lever_off_pct)  # lever -> centre -> lock
    the_rig = asyncio.run(_run(prep, out, summary, latency))
    outcome, results = the_rig.outcome, the_rig.results
    assert outcome is not None and results is not None
    log.info("%s: %s on %s (%s), %.1f s simulated in %.2f s", rig.name, prep.stage.name,
             prep.calibration.values.meta.name, prep.calibration.sha256[:12], outcome.reached_ns / 1e9, outcome.wall_s)
    for line in [*summary.lines(), *latency.lines()]:
        log.info("%s", line)
    h = the_rig.health
    log.info("frames: %d sent, %d received, %d bad, %d bus errors", h.frames_tx, h.frames_rx, h.bad_frames,
             h.tx_errors + h.rx_errors)
    if the_rig.bridge is not None:
        log.info("%s", the_rig.bridge.summary())
    log.info("results: %s  (report: %s)", out, write_run_report(out))
    code = outcome.signal_exit_code
    if code is not None:
        log.warning("interrupted by %s after %.1f of %.1f s: expectations not judged", outcome.reason,
                    outcome.reached_ns / 1e9, (outcome.target_ns or 0) / 1e9)
    else:
        for v in results.verdicts:
            log.info("%s  %s: %s", "pass" if v.passed else "FAIL", v.name, v.detail)
        code = 1 if results.failed else 0
    if args.json or args.markdown:
        doc = summaries.run_json(the_rig.run_info(outcome), results.kpi.kpis(), results.verdicts, out, code)
        if args.json:
            summaries.print_json(doc)
        if args.markdown:
            summaries.append_markdown(args.markdown, summaries.run_markdown(doc))
    return code


async def _run(prep: Prepared, out: Path, *observers: RunSummary | HandbrakeLatencyObserver) -> Rig:
    with run_progress(prep.stage.name, prep.duration_ns) as report:
        async with Rig(prep, out=out, progress=report, handle_signals=True) as rig:
            for obs in observers:
                rig.observe(obs)
            outcome = await rig.run()
        report(outcome.reached_ns)
    return rig
