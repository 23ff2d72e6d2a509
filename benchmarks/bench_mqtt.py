"""MQTT bridge figures: telemetry throughput to a local mosquitto, CAN lateness with the bridge on/off.

    python benchmarks/bench.py --only mqtt --rt-s 10
    python benchmarks/bench_mqtt.py --rt-s 10

Needs the `mosquitto` binary; the broker runs on a free loopback port with a generated config.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hil.config.rig import RigConfig, load_rig  # noqa: E402
from hil.mqtt.config import MqttSection  # noqa: E402
from hil.runtime.clock import RealTimeClock  # noqa: E402
from hil.runtime.prepare import prepare  # noqa: E402
from hil.runtime.rig import Rig  # noqa: E402

RIG = ROOT / "rigs" / "virtual.toml"
Figures = dict[str, float]


@contextlib.contextmanager
def broker() -> Iterator[int]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "mosquitto.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"
                        f"user {getpass.getuser()}\nmax_queued_messages 1000000\n")
        proc = subprocess.Popen([exe, "-c", str(conf)])
        try:
            for _ in range(250):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                    break
                time.sleep(0.02)
            yield port
        finally:
            proc.kill()
            proc.wait()


def _rig(port: int | None, time_mode: str, **mqtt: object) -> RigConfig:
    rig = load_rig(RIG).with_flags(channel=f"bench-mqtt-{time.monotonic_ns()}", time=time_mode)
    section = MqttSection(port=port, **mqtt) if port is not None else None  # type: ignore[arg-type]
    return RigConfig(rig.path, rig.spec.model_copy(update={"mqtt": section}))


@contextlib.asynccontextmanager
async def counting_subscriber(port: int, topic: str) -> AsyncIterator[list[int]]:
    count = [0]
    async with aiomqtt.Client("127.0.0.1", port, max_queued_incoming_messages=0) as client:
        await client.subscribe(topic)

        async def pump() -> None:
            async for _ in client.messages:
                count[0] += 1

        task = asyncio.create_task(pump(), name="bench.subscriber")
        try:
            yield count
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task


async def _throughput(port: int, sim_s: float) -> Figures:
    """Every frame of every message published (rate 1000 Hz): a virtual run as fast as it goes."""
    prep = prepare(_rig(port, "virtual", rate_hz=1000.0, queue_size=1_000_000))
    async with counting_subscriber(port, "hil/virtual/signals/#") as received:
        async with Rig(prep) as rig:
            bridge = rig.bridge
            assert bridge is not None
            while not bridge.stats.connected:
                await asyncio.sleep(0.01)
            t0 = time.perf_counter()
            end, t = int(sim_s * 1e9), 0
            while t < end:
                t += 100_000_000
                rig.advance(t)
                await asyncio.sleep(0)
            while len(bridge.outbox):
                await asyncio.sleep(0.005)
            wall = time.perf_counter() - t0
            published = bridge.stats.published
        await asyncio.sleep(0.5)  # let the last messages arrive
    return {
        "mqtt_telemetry_published": float(published),
        "mqtt_telemetry_msgs_per_s": published / wall,
        "mqtt_telemetry_received_pct": 100.0 * received[0] / max(published, 1),
    }


async def _lateness(port: int | None, rt_s: float) -> dict[str, float]:
    prep = prepare(_rig(port, "real"))
    async with contextlib.AsyncExitStack() as stack:
        if port is not None:
            await stack.enter_async_context(counting_subscriber(port, "hil/#"))
        async with Rig(prep, until_ns=int(rt_s * 1e9)) as rig:
            await rig.run()
    bridge = rig.bridge
    clock = rig.clock
    assert isinstance(clock, RealTimeClock)
    late = clock.lateness.summary_ms()
    return {"median": late["median"], "p99": late["p99"], "max": late["max"],
            "late_frames": float(rig.health.late_frames),
            "published": float(bridge.stats.published if bridge else 0)}


def bench_mqtt(rt_s: float, sim_s: float = 20.0) -> Figures:
    figures: Figures = {}
    with broker() as port:
        figures.update(asyncio.run(_throughput(port, sim_s)))
        # interleaved off/on/off/on: a busy machine moves lateness more than the bridge does,
        # so each figure is the better of its two runs (the print-out says so)
        runs = [asyncio.run(_lateness(p, rt_s)) for p in (None, port, None, port)]
    for name, pair in (("off", runs[0::2]), ("on", runs[1::2])):
        for key in ("median", "p99", "max"):
            figures[f"mqtt_{name}_rt_lateness_{key}_ms_best_of_2"] = min(d[key] for d in pair)
        figures[f"mqtt_{name}_rt_late_frames"] = max(d["late_frames"] for d in pair)
    figures["mqtt_on_rt_published_per_run"] = runs[1]["published"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rt-s", type=float, default=10.0, help="wall seconds for each real-time run")
    parser.add_argument("--sim-s", type=float, default=20.0, help="simulated seconds for the throughput run")
    args = parser.parse_args(argv)
    figures = bench_mqtt(args.rt_s, args.sim_s)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value:12.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
