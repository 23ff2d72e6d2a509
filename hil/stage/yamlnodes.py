"""Reading composed YAML nodes with their line numbers: every refusal names the file, line, key and reason."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode

from hil.errors import StageError
from hil.stage.expr import UNITS

NS = 1_000_000_000
_QUANTITY = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z/%]+)?\s*$")


class YamlContext:
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
        if ns > 48 * 3600 * NS:
            raise self.fail(node, key, "longer than 48 h")
        return ns

    def choice(self, node: Node, key: str, table: dict[str, float]) -> float:
        text = self.scalar(node, key)
        for name, value in table.items():
            if text == name or text.lower() == name.lower():
                return value
        raise self.fail(node, key, f"expected one of {', '.join(table)}, got {text!r}")
