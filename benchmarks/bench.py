"""d7xr-hil benchmarks: every figure of issue 15 with its target and a baseline from the same run.

    python benchmarks/bench.py --json out.json     # the default set (about 10 minutes)
    python benchmarks/bench.py --only virtual      # one group; --only soak: the 24-hour soak

Groups: virtual (speed-up of a whole run against the baseline checkout, default rig and the
32-minute stage; peak memory of `hil run` on it), components (encode, decode, log line, trace row:
each against the code it replaced, same frames, same run), realtime (cyclic lateness against an asyncio.sleep
loop and python-can's send_periodic, PNG histogram), netns (inside `unshare -n`: period jitter seen
by another process on udp_multicast, CPU per cycle of `hil serve --emulate TCU,HHB,DCU`, an incoming
load of 8,800 frames/s), startup, mqtt, sweep; soak (24 h of virtual time, RSS flat) on request.
The machine is shared and noisy: figures are medians, speed-ups CPU-time based on one core, and
ratios are taken pair by pair against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_components import bench_components  # noqa: E402
from benchmarks.bench_mqtt import bench_mqtt  # noqa: E402
from benchmarks.bench_netns import bench_netns  # noqa: E402
from benchmarks.bench_realtime import bench_realtime  # noqa: E402
from benchmarks.bench_soak import bench_soak  # noqa: E402
from benchmarks.bench_startup import bench_startup  # noqa: E402
from benchmarks.bench_sweep import bench_sweep  # noqa: E402
from benchmarks.bench_virtual import BASELINE_REV, bench_virtual  # noqa: E402
from benchmarks.targets import Row, plain, table  # noqa: E402


def _startup(_: argparse.Namespace) -> list[Row]:
    figs = bench_startup()
    return [
        Row("startup_help", figs["startup_help_s"], "s", "", figs["startup_python_s"], "python -c pass"),
        Row("startup_serve_first_frame", figs["startup_serve_first_frame_s"], "s", "<= 0.5",
            figs["startup_python_s"], "python -c pass", "median of 7 fresh processes"),
    ]


BENCHES: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "virtual": lambda a: bench_virtual(a.runs, a.long_runs, a.baseline),
    "components": lambda a: bench_components(),
    "realtime": lambda a: bench_realtime(a.rt_s, a.baseline_rt_s, a.png, a.fifo),
    "netns": lambda a: bench_netns(a.netns_s),
    "startup": _startup,
    "mqtt": lambda a: plain(bench_mqtt(a.baseline_rt_s)),  # needs the mosquitto binary
    "sweep": lambda a: plain(bench_sweep(a.sweep_stage_s)),
    "soak": lambda a: bench_soak(a.soak_h),
}
DEFAULT = ("virtual", "components", "realtime", "netns", "startup", "mqtt", "sweep")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(BENCHES), action="append", help="run only these groups")
    parser.add_argument("--runs", type=int, default=3, help="pairs (ours, baseline) of the default-rig run")
    parser.add_argument("--long-runs", type=int, default=1, help="pairs of the 32-minute stage run")
    parser.add_argument("--baseline", default=BASELINE_REV, help="git revision to compare against")
    parser.add_argument("--rt-s", type=float, default=60.0, help="wall seconds of the real-time rig run")
    parser.add_argument("--fifo", type=int, default=50, help="SCHED_FIFO priority of the second real-time run "
                        "(0: skip it)")
    parser.add_argument("--baseline-rt-s", type=float, default=20.0, help="wall seconds of each baseline loop")
    parser.add_argument("--netns-s", type=float, default=20.0, help="wall seconds of each udp_multicast figure")
    parser.add_argument("--sweep-stage-s", type=float, default=20.0, help="simulated seconds of each sweep run")
    parser.add_argument("--soak-h", type=float, default=24.0, help="virtual hours of the soak (--only soak)")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--png", type=Path, help="lateness histogram (default: next to --json, else ./lateness.png)")
    args = parser.parse_args(argv)
    if args.png is None:
        args.png = args.json.with_suffix(".lateness.png") if args.json else Path("lateness.png")
    rows: list[Row] = []
    failed = []
    for name in args.only or DEFAULT:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            rows += BENCHES[name](args)
        except Exception as exc:  # one broken group must not cost the others' figures
            failed.append(name)
            print(f"bench: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        if args.json:  # after each group: a long run keeps what it measured
            args.json.write_text(json.dumps({r.key: r.as_json() for r in rows}, indent=2) + "\n")
    print(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
