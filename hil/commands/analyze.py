"""`hil analyze LOG`: a recorded bus log (a real car, a bench) into the results folder of `hil run`, emulating nothing.

The log's frames are replayed with their own timing into a rig that emulates no node, so the same
observers see them as in a run: trace, events, KPIs and (with `--stage`) that stage's verdicts.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from hil.commands.common import add_out_flags, default_rig
from hil.config.rig import load_rig
from hil.logs import log
from hil.results import summaries
from hil.results.outdir import prepare_out_dir
from hil.results.report import write_run_report
from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
from hil.stage.loader import load_stage
from hil.stage.replay import read_can_log
from hil.stage.timeline import Timeline

_TAIL_NS = 10_000_000  # one cycle past the last frame, so it is delivered and judged


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("analyze", help="turn a recorded bus log into a results folder (KPIs, events, verdicts)",
                       description="Replay a recorded CAN log (.log, .asc, .blf, .csv, .trc; format by suffix) "
                                   "through the rig's DBC with nothing emulated and write the results folder of "
                                   "`hil run`: trace, events, KPIs, report, and with --stage that stage's "
                                   "expectations judged on the log. Exit 0, 1 when an expectation failed, 2 bad input.")
    p.add_argument("log", type=Path, help="recorded CAN log")
    p.add_argument("--rig", type=Path, help="rig whose DBC and calibration apply (default: rigs/virtual.toml)")
    p.add_argument("--stage", type=Path, help="stage file whose expectations to judge (its inputs are not played)")
    add_out_flags(p, "results folder", "runs/analyze-<log>-<time>")
    p.add_argument("--json", action="store_true", help="print one JSON summary on stdout (and nothing else)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rig = load_rig(args.rig or default_rig()).with_flags(emulate=(), time="virtual")
    prep = prepare(rig)
    replay = read_can_log(args.log.resolve(), file=str(args.log), key="log")
    if args.stage is not None:
        stage = load_stage(args.stage.resolve(), prep.codec)
        stage = replace(stage, tracks={}, surfaces=[], faults=(), replay=replay)  # judge only; the log is the car
    else:
        stage = Timeline(f"log-{args.log.stem}", replay.end_ns + _TAIL_NS, replay=replay)
    prep = prep.with_stage(stage)
    out = prepare_out_dir(args.out or Path("runs") / f"analyze-{args.log.stem}-{time.strftime('%Y%m%d-%H%M%S')}",
                          force=args.force)
    with Rig(prep, out=out, mqtt=False) as the_rig:
        the_rig.advance(prep.duration_ns)
    outcome, results = the_rig.outcome, the_rig.results
    assert outcome is not None and results is not None
    log.info("%s: %d frames over %.1f s analysed with %s (%s)", args.log.name, len(replay.frames),
             replay.end_ns / 1e9, rig.dbc_path.name, prep.calibration.values.meta.name)
    log.info("events: %d, KPIs: %d; results: %s  (report: %s)", len(results.events), len(results.kpi.kpis()),
             out, write_run_report(out))
    for v in results.verdicts:
        log.info("%s  %s: %s", "pass" if v.passed else "FAIL", v.name, v.detail)
    code = 1 if results.failed else 0
    if args.json:
        summaries.print_json(summaries.run_json(the_rig.run_info(outcome), results.kpi.kpis(), results.verdicts,
                                                out, code))
    return code
