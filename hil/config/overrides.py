"""One calibration value changed by its dotted key (`tcu.shift.power_on_up.inertia_bar`), re-validated whole.

The same path serves a live MQTT `calibration/set`, the Python API and sweep variants: the new
set passes every check a calibration file passes (types, limits, cross-section checks), or
nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from hil.config.calibration import Calibration, CalibrationSet, cross_check
from hil.config.schema import key_path
from hil.errors import CalibrationError

KEY_PATTERN = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$"  # section.key, nested allowed
Value = float | int | bool | str | list[float] | list[int]


def with_value(values: CalibrationSet, key: str, value: Value, source: str = "calibration") -> CalibrationSet:
    """`values` with `key` set to `value`; CalibrationError(source, key, reason) if the result is invalid."""
    return with_values(values, {key: value}, source)


def with_values(values: CalibrationSet, changes: Mapping[str, Value], source: str = "calibration") -> CalibrationSet:
    """`values` with every dotted key changed at once, then validated as a whole (a sweep variant
    may move two values that are only valid together, e.g. `hhb.lever_on_pct` and `lever_off_pct`)."""
    data = values.model_dump(mode="json")
    for key, value in changes.items():
        _set(data, key, value, source)
    try:
        # JSON + strict: "6000" is not a number, true is not 1.0; the whole set is re-checked
        candidate = CalibrationSet.model_validate_json(json.dumps(data, allow_nan=True), strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CalibrationError(source, key_path(first["loc"]), first["msg"]) from None
    problem = cross_check(candidate)
    if problem is not None:
        raise CalibrationError(source, *problem)
    return candidate


def _set(data: dict[str, Any], key: str, value: Value, source: str) -> None:
    section, *rest = key.split(".")
    if section == "meta" or not rest:
        raise CalibrationError(source, key, "not a calibration value (expected section.key)")
    node: Any = data
    for part in [section, *rest[:-1]]:
        if not isinstance(node, dict) or part not in node:
            raise CalibrationError(source, key, f"no such calibration section '{part}'")
        node = node[part]
    leaf = rest[-1]
    if not isinstance(node, dict) or leaf not in node:
        raise CalibrationError(source, key, "no such calibration key")
    node[leaf] = value


def value_at(values: CalibrationSet, key: str) -> Any:
    """The JSON value at a dotted key (lists for tuples, dicts for sections)."""
    obj: Any = values
    for part in key.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, tuple):
        return list(obj)
    return obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj


@dataclass
class RunningCalibration:
    """A run's calibration: the file it came from plus the live writes made since (MQTT, API)."""

    base: Calibration
    values: CalibrationSet
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, cal: Calibration) -> RunningCalibration:
        return cls(cal, cal.values)

    def set(self, key: str, value: Value) -> tuple[Any, Any]:
        """Check and take one write; returns (old, new) JSON values. CalibrationError: nothing changed."""
        old = value_at(self.values, key) if _exists(self.values, key) else None
        self.values = with_value(self.values, key, value, source=f"{self.base.path.name} (live)")
        new = self.overrides[key] = value_at(self.values, key)
        return old, new

    def as_status(self) -> dict[str, Any]:
        return {"name": self.values.meta.name, "sha256": self.base.sha256,
                "modified": bool(self.overrides), "overrides": dict(self.overrides)}


def _exists(values: CalibrationSet, key: str) -> bool:
    obj: Any = values
    for part in key.split("."):
        if not isinstance(obj, BaseModel) or part not in type(obj).model_fields:
            return False
        obj = getattr(obj, part)
    return True
