"""`hil check RIG`: validate every file a rig names, touching no bus."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from hil import extras
from hil.bus.codec import Codec
from hil.config.calibration import load_calibration
from hil.config.rig import load_rig
from hil.errors import ConfigError
from hil.logs import log
from hil.mqtt.config import check_files as check_mqtt_files
from hil.results import summaries
from hil.runtime.prepare import check_timeouts
from hil.stage.loader import load_stage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="validate a rig and every file it names",
                       description="Validate a rig file and the DBC, calibration and stage it names. "
                                   "Exit 0 when all is well, 2 with one line per problem.")
    p.add_argument("rig", type=Path, help="rig file (TOML)")
    p.add_argument("--json", action="store_true", help="print one JSON summary on stdout (problems stay on stderr)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        rig = load_rig(args.rig)
    except ConfigError as exc:
        if args.json:
            summaries.print_json({"rig": str(args.rig), "ok": False, "problems": exc.lines(), "found": []})
        for line in exc.lines():
            log.error("%s", line)
        return 2
    problems: list[str] = []
    found: list[str] = []

    def attempt(what: str, load: Callable[[], str]) -> None:
        try:
            found.append(f"{what} {load()}")
        except ConfigError as exc:
            problems.extend(exc.lines())

    codec: list[Codec] = []

    def dbc() -> str:
        codec.append(Codec.load(rig.dbc_path))
        return f"{rig.dbc_path.name} ({len(codec[0].specs)} messages)"

    def cal() -> str:
        c = load_calibration(rig.calibration_path)
        return f"{c.values.meta.name} ({c.sha256[:12]})"

    attempt("dbc", dbc)
    attempt("calibration", cal)
    attempt("stage", lambda: load_stage(rig.stage_path).name)
    if codec:
        attempt("timeouts", lambda: check_timeouts(rig, codec[0]) or "ok")
        mqtt = rig.spec.mqtt
        if mqtt is not None:
            attempt("mqtt", lambda: f"{check_mqtt_files(mqtt, rig.path, frozenset(codec[0].specs))} "
                                    f"{mqtt.prefix_for(rig.name)}")
    if args.json:
        summaries.print_json({"rig": str(rig.path), "ok": not problems, "problems": problems, "found": found,
                              "emulate": list(rig.spec.rig.emulate)})
    if Path(rig.spec.rig.log).suffix == ".mf4" and not extras.available("mf4"):
        log.warning("log %s: needs the [mf4] extra (pip install 'd7xr-hil[mf4]'); hil run would skip it",
                    rig.spec.rig.log)
    for line in problems:
        log.error("%s", line)
    if problems:
        return 2
    log.info("ok: %s: %s, emulating %s", rig.path.name, ", ".join(found), ",".join(rig.spec.rig.emulate))
    return 0
