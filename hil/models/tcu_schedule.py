"""TCU shift schedule: the calibrated D-mode maps.

Maps are gearbox output speed (rpm) over accelerator pedal (%), one row per gear pair; the
downshift line sits below the upshift line by a calibrated gap (hysteresis), so D never hunts.
"""

from __future__ import annotations

import bisect
import itertools

from pydantic import Field, ValidationInfo, field_validator

from hil.config.schema import Strict
from hil.config.units import OutputRpm, PedalPct

_PEDAL_PCT = (0.0, 25.0, 50.0, 75.0, 100.0)
_RATIOS = (5.000, 3.200, 2.143, 1.720, 1.313, 1.000, 0.823, 0.640)  # default [hardware] ratios
# Engine speed the default maps aim for at each pedal breakpoint: upshift from gear g (engine in g),
# downshift from g+1 to g (engine in g+1). The rows below are these divided by the gear ratio.
_UP_ENGINE_RPM = (1900.0, 2500.0, 3500.0, 4800.0, 6300.0)
_DOWN_ENGINE_RPM = (850.0, 1200.0, 1800.0, 2600.0, 3600.0)


def _default_rows(engine_rpm: tuple[float, ...], upper: bool) -> tuple[tuple[float, ...], ...]:
    ratios = _RATIOS[1:] if upper else _RATIOS[:-1]
    return tuple(tuple(round(e / r) for e in engine_rpm) for r in ratios)


def interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    """Piecewise-linear lookup, clamped at both ends (xs strictly increasing)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _check_rows(name: str, rows: tuple[tuple[float, ...], ...], width: int) -> None:
    for g, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{name}[{g}] has {len(row)} points, pedal_pct has {width}")
        if any(v <= 0 for v in row):
            raise ValueError(f"{name}[{g}]: output speeds must be positive")
        if any(b < a for a, b in itertools.pairwise(row)):
            raise ValueError(f"{name}[{g}] must not fall as the pedal rises (monotonic map)")
    for g, (lo, hi) in enumerate(itertools.pairwise(rows)):
        if any(b <= a for a, b in zip(lo, hi, strict=True)):
            raise ValueError(f"{name}[{g + 1}] must lie above {name}[{g}] at every pedal point (higher gear, "
                             "higher speed)")


class ShiftMapCalibration(Strict):
    """D-mode schedule. Row g-1 of `upshift_output_rpm` is the g -> g+1 line; row g-1 of
    `downshift_output_rpm` is the g+1 -> g line. One row per gear pair ([hardware] gear count - 1)."""

    pedal_pct: tuple[PedalPct, ...] = _PEDAL_PCT
    upshift_output_rpm: tuple[tuple[OutputRpm, ...], ...] = _default_rows(_UP_ENGINE_RPM, upper=False)
    downshift_output_rpm: tuple[tuple[OutputRpm, ...], ...] = _default_rows(_DOWN_ENGINE_RPM, upper=True)
    # the hunting rule (docs/gearbox.md#automatic-schedule-d): the g+1 -> g line sits at least this
    # far (engine speed in g+1) under where the g -> g+1 line lands, up x i(g+1)/i(g); checked
    # against [hardware]'s ratios at load
    min_hysteresis_rpm: float = Field(default=300.0, ge=300, le=3000)

    @field_validator("pedal_pct")
    @classmethod
    def _pedal_axis(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) < 2:
            raise ValueError("need at least two pedal breakpoints")
        if v[0] != 0.0 or v[-1] != 100.0:
            raise ValueError("pedal breakpoints must run from 0 to 100 %")
        if any(b <= a for a, b in itertools.pairwise(v)):
            raise ValueError("pedal breakpoints must rise strictly")
        return v

    @field_validator("upshift_output_rpm")
    @classmethod
    def _up_rows(cls, v: tuple[tuple[float, ...], ...], info: ValidationInfo) -> tuple[tuple[float, ...], ...]:
        pedal = info.data.get("pedal_pct")
        if pedal is not None:
            _check_rows("upshift_output_rpm", v, len(pedal))
        return v

    @field_validator("downshift_output_rpm")
    @classmethod
    def _down_rows(cls, v: tuple[tuple[float, ...], ...], info: ValidationInfo) -> tuple[tuple[float, ...], ...]:
        pedal, up = info.data.get("pedal_pct"), info.data.get("upshift_output_rpm")
        if pedal is None or up is None:
            return v
        _check_rows("downshift_output_rpm", v, len(pedal))
        if len(v) != len(up):
            raise ValueError(f"{len(v)} rows, upshift_output_rpm has {len(up)} (one per gear pair)")
        return v

    def hysteresis_problem(self, ratios: tuple[float, ...]) -> tuple[str, str] | None:
        """(key, reason) where a down line sits closer than `min_hysteresis_rpm` (engine speed in the
        higher gear) under its up line's landing speed, or None."""
        gap = self.min_hysteresis_rpm
        for g, (up, down) in enumerate(zip(self.upshift_output_rpm, self.downshift_output_rpm, strict=True)):
            upper = ratios[g + 1]
            for p, (u, d) in enumerate(zip(up, down, strict=True)):
                if (u - d) * upper < gap:
                    return (f"tcu.schedule.downshift_output_rpm[{g}][{p}]",
                            f"{d:g} lands {d * upper:.0f} rpm in gear {g + 2}, {(u - d) * upper:.0f} rpm under where "
                            f"the upshift at {u:g} lands ({u * upper:.0f} rpm); min_hysteresis_rpm is {gap:g}, "
                            "or the box hunts")
        return None

    @property
    def pairs(self) -> int:
        return len(self.upshift_output_rpm)

    def upshift_rpm(self, gear: int, pedal_pct: float) -> float:
        """Output speed above which gear -> gear+1."""
        return interp(pedal_pct, self.pedal_pct, self.upshift_output_rpm[gear - 1])

    def downshift_rpm(self, gear: int, pedal_pct: float) -> float:
        """Output speed below which gear -> gear-1."""
        return interp(pedal_pct, self.pedal_pct, self.downshift_output_rpm[gear - 2])
