"""The stage grammar's shared pieces: value tables and limits, and a reader of YAML nodes that
names the file, line and key in every refusal. Scripts (YAML) and data inputs (CSV) both use them.
"""

from __future__ import annotations

import math
import re

from yaml.nodes import MappingNode, Node, ScalarNode

from hil.errors import StageError
from hil.stage.expr import UNITS

NS = 1_000_000_000
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
    "target_speed": ("target_speed_kph", "km/h", 0.0, 250.0),
}
# switch channels -> the names (and numbers) they take
SWITCHES: dict[str, dict[str, float]] = {
    "selector": SELECTOR, "paddle_up": ON_OFF, "paddle_down": ON_OFF, "centre_lock": CENTRE, "low_range": ON_OFF,
}
_QUANTITY = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z/%]+)?\s*$")


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


class NodeReader:
    """Where we are in the file, to name it in errors."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, node: Node, key: str, reason: str) -> StageError:
        return StageError(self.file, f"line {node.start_mark.line + 1}: {key}", reason)

    def mapping(self, node: Node, key: str, allowed: tuple[str, ...]) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, key, "expected a mapping (key: value)")
        out: dict[str, tuple[Node, Node]] = {}
        for k, v in node.value:
            if not isinstance(k, ScalarNode):
                raise self.fail(k, key, "keys must be plain names")
            name = k.value
            if name in out:
                raise self.fail(k, f"{key}.{name}" if key else name, "key given twice")
            if name not in allowed:
                raise self.fail(k, f"{key}.{name}" if key else name,
                                f"unknown key (typo?); allowed: {', '.join(allowed)}")
            out[name] = (k, v)
        return out

    def scalar(self, node: Node, key: str) -> str:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, key, "expected a single value")
        return str(node.value)

    def quantity(self, node: Node, key: str, unit: str, lo: float, hi: float) -> float:
        """A number in `unit` (written with it or bare), converted and range-checked."""
        text = self.scalar(node, key)
        m = _QUANTITY.match(text)
        if m is None:
            raise self.fail(node, key, f"expected a number in {unit}, got {text!r}")
        value, given = float(m.group(1)), m.group(2)
        if given is not None:
            if given not in UNITS or UNITS[given][0] != UNITS[unit][0]:
                raise self.fail(node, key, f"unit '{given}' does not fit; use {unit}")
            value = value * UNITS[given][1] / UNITS[unit][1]
        if not lo <= value <= hi:
            raise self.fail(node, key, f"{value:g} {unit} is outside {lo:g}..{hi:g} {unit}")
        return value

    def duration_ns(self, node: Node, key: str, *, positive: bool = False) -> int:
        text = self.scalar(node, key)
        m = _QUANTITY.match(text)
        if m is None or m.group(2) is None or m.group(2) not in UNITS or UNITS[m.group(2)][0] != "time":
            raise self.fail(node, key, f"expected a time with its unit (e.g. 250 ms, 2 s, 1.5 min), got {text!r}")
        ns = round(float(m.group(1)) * UNITS[m.group(2)][1] * NS)
        if ns < 0 or (positive and ns == 0):
            raise self.fail(node, key, "must be positive" if positive else "must not be negative")
        if ns > MAX_STAGE_NS:
            raise self.fail(node, key, "longer than 48 h")
        return ns

    def choice(self, node: Node, key: str, table: dict[str, float]) -> float:
        text = self.scalar(node, key)
        for name, value in table.items():
            if text == name or text.lower() == name.lower():
                return value
        raise self.fail(node, key, f"expected one of {', '.join(table)}, got {text!r}")
