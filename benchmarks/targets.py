"""One row per figure: the measured value, issue 15's target and the baseline measured in the same run."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Row:
    key: str
    value: float
    unit: str = ""
    target: str = ""  # e.g. ">= 200", "<= 0.5"; empty: a figure without a target
    baseline: float = math.nan
    baseline_label: str = ""  # what the baseline is, e.g. "b21f17a", "asyncio.sleep loop"
    note: str = ""

    @property
    def met(self) -> bool | None:
        if not self.target or math.isnan(self.value):
            return None
        op, limit = self.target.split()
        return self.value >= float(limit) if op == ">=" else self.value <= float(limit)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "met": self.met}


def figures(rows: list[Row]) -> dict[str, float]:
    return {r.key: r.value for r in rows}


def plain(figs: dict[str, float]) -> list[Row]:
    """Figures of benchmarks without targets (MQTT, sweep, start-up details) as rows."""
    return [Row(k, v) for k, v in figs.items()]


def _num(x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def table(rows: list[Row]) -> str:
    width = max((len(r.key) for r in rows), default=10)
    lines = [f"{'figure':<{width}}  {'value':>9} {'unit':<6} {'target':<8} {'met':<4} {'baseline':>9}  baseline is"]
    for r in rows:
        met = {True: "yes", False: "NO", None: ""}[r.met]
        lines.append(f"{r.key:<{width}}  {_num(r.value):>9} {r.unit:<6} {r.target:<8} {met:<4} "
                     f"{_num(r.baseline):>9}  {r.baseline_label}{'  (' + r.note + ')' if r.note else ''}")
    return "\n".join(lines)
