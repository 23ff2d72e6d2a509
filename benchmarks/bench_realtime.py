"""Real-time cyclic lateness of the default rig against two baselines measured in the same run.

- the rig: all six nodes on python-can's virtual bus in real time; lateness = each wake-up against
  its absolute deadline, as the real-time clock records it; late frames = frames sent a cycle late;
- a plain `asyncio.sleep` loop sending the same seven 10 ms frames, timed the same way;
- python-can's `send_periodic` for the same seven frames; its wake-ups are internal, so lateness
  is taken where a receiver thread holds each frame, against that frame's ideal 10 ms grid.
A PNG histogram of the three distributions is written next to the JSON (or to --png).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path

import can

from benchmarks.targets import Row
from hil.bus.codec import Codec
from hil.config.rig import load_rig
from hil.runtime.clock import RealTimeClock
from hil.runtime.prepare import Prepared, prepare
from hil.runtime.rig import Rig

ROOT = Path(__file__).resolve().parents[1]
RIG = ROOT / "rigs" / "virtual.toml"
CYCLE_NS = 10_000_000


def _summary(samples_ns: list[int]) -> tuple[float, float, float]:
    s = sorted(samples_ns)
    if not s:
        return float("nan"), float("nan"), float("nan")
    return s[len(s) // 2] / 1e6, s[min(len(s) - 1, int(len(s) * 0.99))] / 1e6, s[-1] / 1e6


def _cyclic_frames() -> list[can.Message]:
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    return [can.Message(arbitration_id=s.frame_id, data=codec.encode(s.name, {})[1], is_extended_id=False)
            for s in codec.specs.values() if s.cycle_ns == CYCLE_NS]


def _rig_file(folder: Path, fifo_priority: int) -> Path:
    """The default rig in real time, with SCHED_FIFO and mlockall when `fifo_priority` > 0."""
    text = RIG.read_text().replace('"../', f'"{ROOT}/').replace('time = "virtual"', 'time = "real"')
    if fifo_priority:
        text += f"\n[realtime]\nfifo_priority = {fifo_priority}\nlock_memory = true\n"
    path = folder / "rt.toml"
    path.write_text(text)
    return path


def rig_lateness(seconds: float, fifo_priority: int = 0) -> tuple[list[int], int]:
    channel = f"bench-rt-{time.monotonic_ns()}"
    bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
    listener = can.Bus(interface="virtual", channel=channel)  # someone on the bus, as on a rig
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prep = prepare(load_rig(_rig_file(Path(tmp), fifo_priority)).with_flags(channel=channel))
            rig = asyncio.run(_run_rig(prep, bus, int(seconds * 1e9), Path(tmp) / "out"))
    finally:
        bus.shutdown()
        listener.shutdown()
    clock = rig.clock
    assert isinstance(clock, RealTimeClock)
    return list(clock.lateness.samples), rig.health.late_frames


async def _run_rig(prep: Prepared, bus: can.BusABC, until_ns: int, out: Path) -> Rig:
    async with Rig(prep, bus=bus, until_ns=until_ns, out=out, results=False) as rig:  # the CAN log is written
        await rig.run()
    return rig


def asyncio_lateness(seconds: float) -> list[int]:
    frames = _cyclic_frames()
    bus = can.Bus(interface="virtual", channel=f"bench-aio-{time.monotonic_ns()}")

    async def loop() -> list[int]:
        samples: list[int] = []
        t0 = time.monotonic_ns()
        deadline = t0
        while deadline - t0 < seconds * 1e9:
            deadline += CYCLE_NS
            await asyncio.sleep(max(0, deadline - time.monotonic_ns()) / 1e9)
            samples.append(max(0, time.monotonic_ns() - deadline))
            for f in frames:
                bus.send(f)
        return samples

    try:
        return asyncio.run(loop())
    finally:
        bus.shutdown()


def send_periodic_lateness(seconds: float) -> list[int]:
    frames = _cyclic_frames()
    channel = f"bench-sp-{time.monotonic_ns()}"
    sender = can.Bus(interface="virtual", channel=channel)
    receiver = can.Bus(interface="virtual", channel=channel)
    arrivals: dict[int, list[int]] = {f.arbitration_id: [] for f in frames}
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            msg = receiver.recv(0.05)
            if msg is not None:
                arrivals[msg.arbitration_id].append(time.monotonic_ns())

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    tasks = [sender.send_periodic(f, CYCLE_NS / 1e9) for f in frames]
    time.sleep(seconds)
    for task in tasks:
        task.stop()
    stop.set()
    thread.join()
    sender.shutdown()
    receiver.shutdown()
    samples: list[int] = []
    for times in arrivals.values():
        if times:  # ideal grid anchored so that the earliest frame is on time
            anchor = min(t - k * CYCLE_NS for k, t in enumerate(times))
            samples += [t - (anchor + k * CYCLE_NS) for k, t in enumerate(times)]
    return samples


def histogram(series: dict[str, list[int]], png: Path) -> Path | None:
    try:
        import matplotlib  # noqa: PLC0415 - the [plots] extra, only when drawing

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    top = max((max(v) for v in series.values() if v), default=1) / 1e6
    bins = [i * max(top, 0.1) / 200 for i in range(201)]
    for label, samples in series.items():
        ax.hist([s / 1e6 for s in samples], bins=bins, histtype="step", label=label, linewidth=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("lateness against the absolute deadline [ms]")
    ax.set_ylabel("wake-ups / frames")
    ax.set_title("real-time cyclic lateness, 10 ms cycle")
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def bench_realtime(seconds: float, baseline_s: float, png: Path, fifo_priority: int = 50) -> list[Row]:
    rig, late = rig_lateness(seconds)
    fifo, fifo_late = rig_lateness(seconds, fifo_priority) if fifo_priority else ([], 0)
    aio = asyncio_lateness(baseline_s)
    periodic = send_periodic_lateness(baseline_s)
    series = {"hil rig (wake-up)": rig, f"hil rig, SCHED_FIFO {fifo_priority} (wake-up)": fifo,
              "asyncio.sleep loop (wake-up)": aio, "python-can send_periodic (arrival)": periodic}
    drawn = histogram({k: v for k, v in series.items() if v}, png)
    (med, p99, mx), (amed, ap99, amx), (_, pp99, pmx) = _summary(rig), _summary(aio), _summary(periodic)
    what = f"full default rig, {seconds:.0f} s, normal scheduler; baselines {baseline_s:.0f} s"
    rows = [
        Row("rt_lateness_p99", p99, "ms", "<= 0.5", ap99, "asyncio.sleep loop", f"{what}; send_periodic {pp99:.3f}"),
        Row("rt_lateness_max", mx, "ms", "<= 2", amx, "asyncio.sleep loop", f"send_periodic {pmx:.3f}"),
        Row("rt_lateness_median", med, "ms", "", amed, "asyncio.sleep loop"),
        Row("rt_late_frames", float(late), "", "<= 0"),
    ]
    if fifo:
        fmed, fp99, fmx = _summary(fifo)
        rows += [
            Row("rt_fifo_lateness_p99", fp99, "ms", "<= 0.5", ap99, "asyncio.sleep loop",
                f"[realtime] fifo_priority = {fifo_priority}, lock_memory"),
            Row("rt_fifo_lateness_max", fmx, "ms", "<= 2", amx, "asyncio.sleep loop"),
            Row("rt_fifo_lateness_median", fmed, "ms", "", amed, "asyncio.sleep loop"),
            Row("rt_fifo_late_frames", float(fifo_late), "", "<= 0"),
        ]
    rows.append(Row("controllers_cpu_per_cycle", controllers_cpu(baseline_s), "us", "<= 100", note="TCU, HHB, DCU "
                    "in real time, inputs arriving, in-process virtual bus (no transport system calls)"))
    return [*rows, Row("rt_histogram_png", float(drawn is not None), "", "", note=str(drawn or "matplotlib missing"))]


def controllers_cpu(seconds: float) -> float:
    """CPU per 10 ms cycle (µs) of the three controllers in real time with their inputs arriving,
    on the in-process virtual bus: what hil costs without a transport's system calls. A feeder
    thread plays the driver, engine and ABS frames and takes the process's CPU time over the
    middle of the run (start-up and teardown left out); its own CPU time is taken out."""
    channel = f"bench-cpu-{time.monotonic_ns()}"
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    frames = [codec.encode(name, {"EngineSpeed": 2000.0} if name == "ECM_Engine" else {})
              for name in ("DRV_Controls", "ECM_Engine", "ABS_WheelSpeeds")]
    feeder_bus = can.Bus(interface="virtual", channel=channel)
    # send-only: the feeder never reads, so take its queue off the channel (python-can's virtual bus
    # would deep-copy every frame of the controllers into it, at their cost, and keep them all)
    feeder_bus.channel.remove(feeder_bus.queue)  # type: ignore[attr-defined]
    window: list[float] = []

    def feed() -> None:
        start = deadline = time.monotonic()
        marks = (start + 2.0, start + seconds - 1.0)
        while deadline < start + seconds:
            for frame_id, data in frames:  # the E2E counters repeat: the nodes see REPEATED, as cheap
                feeder_bus.send(can.Message(arbitration_id=frame_id, data=data, is_extended_id=False))
            if len(window) < 4 and deadline >= marks[len(window) // 2]:
                window.extend((time.process_time() - time.thread_time(), deadline))
            deadline += 0.010
            time.sleep(max(0.0, deadline - time.monotonic()))

    with tempfile.TemporaryDirectory() as tmp:
        controllers = frozenset({"TCU", "HHB", "DCU"})
        prep = prepare(load_rig(_rig_file(Path(tmp), 0)).with_flags(channel=channel, emulate=controllers))
        thread = threading.Thread(target=feed, daemon=True)
        thread.start()
        rig = asyncio.run(_run_rig(prep, can.Bus(interface="virtual", channel=channel), int(seconds * 1e9),
                                   Path(tmp) / "out"))
        thread.join()
        feeder_bus.channel.append(feeder_bus.queue)  # type: ignore[attr-defined]  # back, for shutdown
        feeder_bus.shutdown()
        rig.bus.shutdown()
    cpu0, t0, cpu1, t1 = window
    return (cpu1 - cpu0) / ((t1 - t0) / 0.010) * 1e6
