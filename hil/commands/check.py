"""`hil check RIG`: validate every file a rig names, touching no bus."""

from __future__ import annotations

import argparse
from pathlib import Path

from hil.app import prepare
from hil.config.rig import load_rig
from hil.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="validate a rig and every file it names",
                       description="Validate a rig file and the DBC, calibration and stage it names. "
                                   "Exit 0 when all is well, 2 with one line per problem.")
    p.add_argument("rig", type=Path, help="rig file (TOML)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        rig = load_rig(args.rig)
        prep = prepare(rig)
    except ConfigError as exc:
        print(f"error: {exc}")
        return 2
    print(f"ok: {rig.path.name}: dbc {prep.rig.dbc_path.name} ({len(prep.codec.specs)} messages), "
          f"calibration {prep.calibration.values.meta.name} ({prep.calibration.sha256[:12]}), "
          f"stage {prep.stage.name}, emulating {','.join(rig.spec.rig.emulate)}")
    return 0
