"""PNG plots of a results folder (matplotlib, Agg): the driveline over time with events marked.

With a baseline folder the baseline is drawn under the candidate (dashed grey), so a
regression shows as two curves that part. matplotlib is the [plots] extra, imported on the first
plot only (it costs ~0.5 s); without it no plot is drawn and one line says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hil import extras
from hil.results.events import Event, EventKind, read_events
from hil.results.signals import read_signal

MAX_POINTS = 20_000  # per curve: a 30-minute stage decimated to what a PNG can show
# (title, [(message, signal, label, steps)], twin-axis curve or None)
PANELS: tuple[tuple[str, list[tuple[str, str, str, bool]], tuple[str, str, str] | None], ...] = (
    ("engine speed [rpm]", [("ECM_Engine", "EngineSpeed", "engine", False)], None),
    ("gear", [("TCU_Status", "GearActual", "actual", True), ("TCU_Status", "GearTarget", "target", True)], None),
    ("vehicle speed [km/h]", [("ABS_WheelSpeeds", "VehicleSpeed", "vehicle", False)], None),
    ("pedal [%]", [("DRV_Controls", "AccelPedal", "accelerator", False),
                   ("DRV_Controls", "HandbrakeLever", "handbrake lever", False)],
     ("DRV_Controls", "BrakePressure", "brake [bar]")),
    ("handbrake pressure [bar]", [("HHB_Status", "RearBrakePressure", "rear pressure", False)],
     ("HHB_Status", "RearAxleLocked", "rear axle locked")),
    ("centre coupling [Nm]", [("DCU_Status", "CentreCouplingTorque", "coupling torque", False)], None),
)
_EVENT_STYLE: dict[EventKind, tuple[str, str, float]] = {
    EventKind.SHIFT: ("#999999", ":", 0.6),
    EventKind.SHIFT_REJECT: ("#d62728", "-", 1.0),
    EventKind.HANDBRAKE_PULL: ("#1f77b4", "--", 1.0),
    EventKind.REAR_AXLE_LOCK: ("#2ca02c", "--", 1.0),
    EventKind.FAULT: ("#e377c2", "-", 1.5),
}


def _series(run_dir: Path, message: str, signal: str, gear: bool) -> tuple[list[float], list[float]]:
    ts, vs = read_signal(run_dir, message, signal, max_points=MAX_POINTS)  # decimated as it is read
    t = [x / 1e9 for x in ts]
    v = [float("nan") if (gear and val is not None and val > 10) else (val if val is not None else float("nan"))
         for val in vs]  # gear 15 = SHIFTING: a gap, not a spike
    return t, v


def _mark_events(ax: Any, events: list[Event]) -> None:
    """One line collection per kind of event (a line object per event cost ~40 kB each: a 32-minute
    stage's 400 events on six panels were most of `hil run`'s peak memory)."""
    times: dict[EventKind, list[float]] = {}
    for e in events:
        if e.kind in _EVENT_STYLE:
            times.setdefault(e.kind, []).append(e.t_s)
    for kind, ts in times.items():
        colour, line, width = _EVENT_STYLE[kind]
        ax.vlines(ts, 0, 1, transform=ax.get_xaxis_transform(), colors=colour, linestyles=line, linewidths=width,
                  alpha=0.7)


def plot_run(run_dir: Path, png: Path, *, baseline_dir: Path | None = None,
             width_px: int = 1600, height_px: int = 1800, dpi: int = 100) -> Path | None:
    """Draw one run (and optionally its baseline) to `png`, exactly `width_px` x `height_px`.

    None when matplotlib (the [plots] extra) is not installed: the plot is skipped with one line.
    """
    if not extras.available("plots"):
        extras.skipped("plots", "PNG plots")
        return None
    import matplotlib  # noqa: PLC0415 - optional dependency, loaded with the first plot

    matplotlib.use("Agg")  # no display, ever: CI and benches have none
    import matplotlib.pyplot as plt  # noqa: PLC0415

    events_path = run_dir / "events.json"
    events = read_events(events_path) if events_path.exists() else []
    fig, axes = plt.subplots(len(PANELS), 1, sharex=True, figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    try:
        for ax, (title, curves, twin) in zip(axes, PANELS, strict=True):
            for message, signal, label, steps in curves:
                gear = message == "TCU_Status"
                ds = "steps-post" if steps else "default"
                if baseline_dir is not None:
                    bt, bv = _series(baseline_dir, message, signal, gear)
                    ax.plot(bt, bv, color="#888888", linestyle="--", linewidth=1.0, drawstyle=ds,
                            label=f"{label} (baseline)")
                t, v = _series(run_dir, message, signal, gear)
                ax.plot(t, v, linewidth=1.2, drawstyle=ds, label=label)
            if twin is not None:
                message, signal, label = twin
                ax2 = ax.twinx()
                t, v = _series(run_dir, message, signal, False)
                ax2.plot(t, v, color="#9467bd", linewidth=0.9, drawstyle="steps-post", label=label)
                ax2.set_ylabel(label, fontsize=8)
            _mark_events(ax, events)
            ax.set_ylabel(title, fontsize=9)
            ax.grid(True, alpha=0.3)
            ax.legend(loc="upper left", fontsize=7)
        axes[-1].set_xlabel("time [s]  (dotted: shifts, red: rejects, blue: handbrake pulls, "
                            "green: rear axle locks, pink: faults)")
        name = run_dir.name if baseline_dir is None else f"{baseline_dir.name} (dashed) vs {run_dir.name}"
        fig.suptitle(name)
        fig.tight_layout()
        png.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(png, dpi=dpi)  # no bbox_inches="tight": the size must be what was asked
    finally:
        plt.close(fig)
    return png
