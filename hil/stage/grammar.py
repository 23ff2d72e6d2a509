"""The stage grammar's value tables and limits, shared by scripts (YAML) and data inputs (CSV):
a CSV cell is held to the same limits as the script action that sets its channel.
"""

from __future__ import annotations

import math

from hil.stage.yamlnodes import NS

MAX_STAGE_NS = 48 * 3600 * NS
SELECTOR = {"P": 0.0, "R": 1.0, "N": 2.0, "D": 3.0, "M": 4.0}
ON_OFF = {"on": 1.0, "off": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "1": 1.0, "0": 0.0}
CENTRE = {"lock": 1.0, "locked": 1.0, "auto": 0.0, **ON_OFF}
SPEED_OFF = -1.0  # target_speed_kph below 0: no target, the pedals play as scripted
# action key -> (timeline channel, unit of the channel, lowest, highest)
ANALOG: dict[str, tuple[str, str, float, float]] = {
    "accel": ("accel_pct", "%", 0.0, 100.0),
    "brake": ("brake_bar", "bar", 0.0, 200.0),
    "handbrake": ("handbrake_pct", "%", 0.0, 100.0),
    "grade": ("grade_pct", "%", -100.0, 100.0),
    "airborne": ("airborne_pct", "%", 0.0, 100.0),  # share of the car's weight off the ground (a jump)
    "target_speed": ("target_speed_kph", "km/h", 0.0, 250.0),
}
# switch channels -> the names (and numbers) they take
SWITCHES: dict[str, dict[str, float]] = {
    "selector": SELECTOR, "paddle_up": ON_OFF, "paddle_down": ON_OFF, "centre_lock": CENTRE, "low_range": ON_OFF,
}


def channel_value(channel: str, text: str) -> float:
    """A data-input cell of `channel`, held to the same limits as the script's actions (ValueError why not)."""
    cell = text.strip()
    names = SWITCHES.get(channel)
    if names is not None:
        for name, value in names.items():
            if cell.lower() == name.lower():
                return value
        number = _finite(cell)
        numbers = sorted(set(names.values()))
        if number not in numbers:
            raise ValueError(f"expected one of {', '.join(names)} (or {', '.join(f'{v:g}' for v in numbers)}), "
                             f"got {cell!r}")
        return number
    if channel == "target_speed_kph" and cell.lower() == "off":
        return SPEED_OFF
    number = _finite(cell)
    _, unit, lo, hi = next(a for a in ANALOG.values() if a[0] == channel)
    if channel == "target_speed_kph" and number == SPEED_OFF:
        return number
    if not lo <= number <= hi:
        raise ValueError(f"{number:g} {unit} is outside {lo:g}..{hi:g} {unit}")
    return number


def _finite(cell: str) -> float:
    try:
        number = float(cell)
    except ValueError:
        raise ValueError(f"not a number: {cell!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {cell!r}")
    return number
