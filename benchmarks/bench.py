"""d7xr-hil benchmarks: the figures the issues name, printed as one table (and JSON with --json).

    python benchmarks/bench.py                 # all core figures, default rig
    python benchmarks/bench.py --only virtual  # one figure

Figures: virtual-time speed-up of a full `hil run` (simulated s per wall s), frame throughput in
virtual time, real-time cyclic lateness (each node's wake-up against its absolute deadline:
median/p99/max) and frame latency (a frame leaving the session to a receiver on the virtual bus
holding it), start-up (`hil --help`; `hil serve` launch to first frame; bare python for scale).
holding it), and `hil sweep` runs per minute on 1 and 2 Dask workers with the scaling ratio.
Machines are noisy: run twice, quote medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import can

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_mqtt import bench_mqtt  # noqa: E402
from benchmarks.bench_startup import bench_startup  # noqa: E402
from benchmarks.bench_sweep import bench_sweep  # noqa: E402
from hil.config.rig import load_rig  # noqa: E402
from hil.runtime.clock import RealTimeClock  # noqa: E402
from hil.runtime.prepare import Prepared, prepare  # noqa: E402
from hil.runtime.rig import Rig  # noqa: E402

RIG = ROOT / "rigs" / "virtual.toml"
Figures = dict[str, float]


def _prepared(**flags: object) -> Prepared:
    return prepare(load_rig(RIG).with_flags(**flags))


def bench_virtual(sim_s: float) -> Figures:
    """A whole `hil run` on the default rig: all six nodes, CAN log written, virtual time."""
    prep = _prepared(channel=f"bench-v-{time.monotonic_ns()}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with Rig(prep, out=Path(tmp), results=False) as rig:
            rig.advance(int(sim_s * 1e9))
        wall = time.perf_counter() - t0
    frames = rig.health.frames_tx
    return {
        "virtual_simulated_s": sim_s,
        "virtual_wall_s": wall,
        "virtual_speedup_x": sim_s / wall,
        "virtual_frames_per_s": frames / wall,
    }


def bench_realtime(rt_s: float) -> Figures:
    """Real-time run of the default rig on the virtual bus: wake-up lateness and frame latency.

    A second bus participant (a thread, as a real receiver would be) timestamps each frame on
    arrival; latency = arrival - the time the frame left the session (its log timestamp).
    """
    channel = f"bench-rt-{time.monotonic_ns()}"
    prep = _prepared(time="real", channel=channel)
    latencies: list[float] = []
    stop = threading.Event()
    listener = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)

    def listen() -> None:
        while not stop.is_set():
            msg = listener.recv(0.05)
            if msg is not None:
                latencies.append(time.time() - msg.timestamp)

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
    try:
        rig = asyncio.run(_run_real_time(prep, bus, int(rt_s * 1e9)))
    finally:
        stop.set()
        thread.join()
        listener.shutdown()
        bus.shutdown()
    clock = rig.clock
    assert isinstance(clock, RealTimeClock)
    late = clock.lateness.summary_ms()
    lat = sorted(latencies)
    return {
        "rt_seconds": rt_s,
        "rt_lateness_median_ms": late["median"],
        "rt_lateness_p99_ms": late["p99"],
        "rt_lateness_max_ms": late["max"],
        "rt_late_frames": float(rig.health.late_frames),
        "frame_latency_median_ms": statistics.median(lat) * 1e3 if lat else float("nan"),
        "frame_latency_p99_ms": lat[int(len(lat) * 0.99)] * 1e3 if lat else float("nan"),
        "frame_latency_max_ms": lat[-1] * 1e3 if lat else float("nan"),
    }


async def _run_real_time(prep: Prepared, bus: can.BusABC, until_ns: int) -> Rig:
    async with Rig(prep, bus=bus, until_ns=until_ns) as rig:
        await rig.run()
    return rig


BENCHES: dict[str, Callable[[argparse.Namespace], Figures]] = {
    "virtual": lambda a: bench_virtual(a.sim_s),
    "realtime": lambda a: bench_realtime(a.rt_s),
    "mqtt": lambda a: bench_mqtt(a.rt_s),  # benchmarks/bench_mqtt.py: needs the mosquitto binary
    "startup": lambda a: bench_startup(),  # benchmarks/bench_startup.py: fresh processes, wall s
    "sweep": lambda a: bench_sweep(a.sweep_stage_s),  # benchmarks/bench_sweep.py: LocalCluster of 1, then 2 workers
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(BENCHES), action="append", help="run only these benchmarks")
    parser.add_argument("--sim-s", type=float, default=120.0, help="simulated seconds for the virtual run")
    parser.add_argument("--rt-s", type=float, default=10.0, help="wall seconds for the real-time run")
    parser.add_argument("--sweep-stage-s", type=float, default=20.0, help="simulated seconds of each sweep run")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    figures: Figures = {}
    for name in args.only or list(BENCHES):
        figures.update(BENCHES[name](args))
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:12.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
