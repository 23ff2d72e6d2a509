"""The one fault-spec schema shared by stage files, MQTT `fault/inject` and the Python API.

Times are written with their unit ("500 ms", "2 s") or given as integer ns under `*_ns`; a
spec is checked against the DBC before anything is applied, so a bad one is refused whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hil.bus.codec import Codec, RawLayout
from hil.errors import FaultError

Kind = Literal["drop", "delay", "repeat", "counter_skip", "bad_crc", "bad_data_id", "insert",
               "stuck", "out_of_range", "babble", "silence"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Direction = Literal["tx", "rx"]
E2E_KINDS = frozenset({"counter_skip", "bad_crc", "bad_data_id"})
NS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "min": 60_000_000_000}
MAX_TIME_NS = 48 * 3600 * 1_000_000_000
MAX_BABBLE_HZ = 10_000.0  # about what a saturated 500 kbit/s classic CAN bus carries
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|min)\s*$")
_TIME_KEYS = {"at": "at_ns", "for": "for_ns", "delay": "delay_ns"}

# keys each kind may carry beyond the common ones (kind, direction, at, for, message)
_EXTRA_KEYS: dict[str, frozenset[str]] = {
    "drop": frozenset(), "bad_crc": frozenset(),
    "delay": frozenset({"delay_ns"}),
    "repeat": frozenset({"count"}),
    "counter_skip": frozenset({"skip"}),
    "bad_data_id": frozenset({"data_id"}),
    "insert": frozenset({"count", "signal", "value", "data"}),
    "stuck": frozenset({"signal", "value"}),
    "out_of_range": frozenset({"signal", "value"}),
    "babble": frozenset({"rate", "data"}),
    "silence": frozenset(),
}
_OPTIONAL = ("node", "message", "signal", "value", "delay_ns", "rate", "count", "skip", "data_id", "data")


def duration_ns(text: object, key: str) -> int:
    """'500 ms' -> 500_000_000; a bare number is refused (its unit would be a guess)."""
    if not isinstance(text, str):
        raise ValueError(f"{key}: expected a time with its unit (e.g. 250 ms, 2 s), got {text!r}")
    m = _TIME.match(text)
    if m is None:
        raise ValueError(f"{key}: expected a time with its unit (e.g. 250 ms, 2 s), got {text!r}")
    return round(float(m.group(1)) * NS_PER_UNIT[m.group(2)])


class FaultSpec(BaseModel):
    """One fault: what it does, to which message (or node), in which direction, from when, how long."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Kind
    message: str | None = Field(default=None, min_length=1, max_length=64)
    node: str | None = Field(default=None, min_length=1, max_length=16)  # `silence` only
    direction: Direction | None = None  # None: tx if the rig emulates the sender, else rx
    at_ns: int = Field(default=0, ge=0, le=MAX_TIME_NS)  # from the stage start (MQTT/API: from now)
    for_ns: int | None = Field(default=None, gt=0, le=MAX_TIME_NS)  # None: until cleared
    signal: str | None = Field(default=None, min_length=1, max_length=64)
    value: float | None = None
    delay_ns: int | None = Field(default=None, gt=0, le=10_000_000_000)
    rate: float | None = Field(default=None, gt=0, le=MAX_BABBLE_HZ)  # babble, frames per second
    count: int | None = Field(default=None, ge=1, le=16)  # repeat / insert: extra frames per frame
    skip: int | None = Field(default=None, ge=2, le=14)  # counter_skip: counter step per frame
    data_id: int | None = Field(default=None, ge=0, le=0xFFFF)  # bad_data_id: the Data ID used
    data: str | None = Field(default=None, pattern=r"^([0-9A-Fa-f]{2}){0,8}$")  # insert/babble payload

    @model_validator(mode="before")
    @classmethod
    def _times(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for key, field in _TIME_KEYS.items():
            if key in out:
                if field in out:
                    raise ValueError(f"give '{key}' or '{field}', not both")
                out[field] = duration_ns(out.pop(key), key)
        return out

    @field_validator("data_id", mode="before")
    @classmethod
    def _hex_id(cls, value: Any) -> Any:
        """A Data ID is usually written in hex (0x70)."""
        if isinstance(value, str) and value.strip().lower().startswith("0x"):
            try:
                return int(value, 16)
            except ValueError:
                raise ValueError(f"not a hex number: {value!r}") from None
        return value

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> FaultSpec:
        given = {k for k in _OPTIONAL if getattr(self, k) is not None}
        if self.kind == "silence":
            if self.node is None or self.message is not None:
                raise ValueError("silence takes 'node' (a whole node stops sending), not 'message'")
        elif self.message is None or self.node is not None:
            raise ValueError(f"{self.kind} takes 'message', not 'node'")
        stray = given - _EXTRA_KEYS[self.kind] - {"node", "message"}
        if stray:
            raise ValueError(f"{self.kind} does not take {', '.join(sorted(stray))}")
        if self.kind == "delay" and self.delay_ns is None:
            raise ValueError("delay needs 'delay' (e.g. delay: 50 ms)")
        if self.kind == "stuck" and (self.signal is None or self.value is None):
            raise ValueError("stuck needs 'signal' and 'value'")
        if self.kind == "out_of_range" and self.signal is None:
            raise ValueError("out_of_range needs 'signal'")
        if self.kind == "insert" and (self.signal is None) != (self.value is None):
            raise ValueError("insert takes 'signal' and 'value' together")
        if self.kind == "insert" and self.signal is not None and self.data is not None:
            raise ValueError("insert takes 'signal'/'value' or 'data', not both")
        return self

    @property
    def end_offset_ns(self) -> int | None:
        return None if self.for_ns is None else self.at_ns + self.for_ns

    def window_s(self, now_ns: int) -> dict[str, float | None]:
        """When a fault injected at `now_ns` (run time) starts and ends, in seconds (end None: held)."""
        start = now_ns + self.at_ns
        return {"starts_at_s": start / 1e9, "ends_at_s": None if self.for_ns is None else (start + self.for_ns) / 1e9}

    def summary(self) -> dict[str, Any]:
        """The spec as written (times in ms), for events, MQTT replies and the report."""
        out: dict[str, Any] = {}
        for key, value in self.model_dump(exclude_none=True).items():
            if key.endswith("_ns"):
                out[key[:-3] + "_ms"] = value / 1e6
            else:
                out[key] = value
        return out


def parse_fault(data: object, codec: Codec, *, file: str = "<fault>", key: str = "",
                lines: Mapping[str, int] | None = None) -> FaultSpec:
    """Validate `data` (a mapping) into a FaultSpec checked against the DBC; FaultError otherwise.

    `lines` maps each given key to its line in `file`, so the error names where it was written.
    """
    if isinstance(data, Mapping):
        for key_ in _TIME_KEYS:  # refused here, where the key is still known
            if key_ in data:
                try:
                    duration_ns(data[key_], key_)
                except ValueError as exc:
                    raise _error(file, key, key_, str(exc).removeprefix(f"{key_}: "), lines) from None
    try:
        spec = FaultSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        field = {v: k for k, v in _TIME_KEYS.items()}.get(field, field)
        reason = "unknown key (typo?)" if first["type"] == "extra_forbidden" else first["msg"]
        raise _error(file, key, field, reason.removeprefix("Value error, "), lines) from None
    check_fault(spec, codec, file=file, key=key, lines=lines)
    return spec


def check_fault(spec: FaultSpec, codec: Codec, *, file: str = "<fault>", key: str = "",
                lines: Mapping[str, int] | None = None) -> None:
    """FaultError unless `spec` fits the DBC (a spec built in Python is checked here too)."""
    try:
        check_against_dbc(spec, codec)
    except _DbcMismatchError as exc:
        raise _error(file, key, exc.field, exc.reason, lines) from None


class _DbcMismatchError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _error(file: str, key: str, field: str, reason: str, lines: Mapping[str, int] | None) -> FaultError:
    line = (lines or {}).get(field) or (lines or {}).get("")
    where = f"{key}.{field}" if key and field else key or field
    return FaultError(file, f"line {line}: {where}" if line else where, reason)


def check_against_dbc(spec: FaultSpec, codec: Codec) -> None:
    """Unknown message, node or signal, or a kind the message cannot take: refused with the key."""
    if spec.kind == "silence":
        nodes = {n.name for n in codec.db.nodes}
        if spec.node not in nodes:
            raise _DbcMismatchError("node", f"unknown node {spec.node!r} (DBC nodes: {', '.join(sorted(nodes))})")
        if not codec.sent_by({spec.node or ""}):
            raise _DbcMismatchError("node", f"node {spec.node} sends no message")
        return
    msg = codec.specs.get(spec.message or "")
    if msg is None:
        raise _DbcMismatchError("message", f"unknown message {spec.message!r} (not in the DBC)")
    if spec.kind in E2E_KINDS and not msg.e2e:
        raise _DbcMismatchError("kind", f"{spec.kind} needs an E2E-protected message; {msg.name} has no CRC/Counter")
    if spec.kind == "bad_data_id" and spec.data_id == msg.frame_id:
        raise _DbcMismatchError("data_id", f"0x{msg.frame_id:X} is the message's own Data ID")
    if spec.signal is not None:
        _check_signal(spec, codec, msg.name)


def _check_signal(spec: FaultSpec, codec: Codec, message: str) -> None:
    signals = codec.specs[message].signals
    if spec.signal not in signals:
        raise _DbcMismatchError("signal", f"{message} has no signal {spec.signal!r} (it has {', '.join(signals)})")
    if spec.signal in ("CRC", "Counter") and codec.specs[message].e2e:
        raise _DbcMismatchError("signal", "the E2E header is not a data signal (use bad_crc or counter_skip)")
    layout = codec.raw_layout(message, spec.signal)
    if spec.kind == "out_of_range":
        if spec.value is None:
            if out_of_range_raw(layout) is None:
                raise _DbcMismatchError("signal", f"{spec.signal}: every raw value is inside its DBC range "
                                         f"[{layout.lo:g}, {layout.hi:g}]")
            return
        raw = layout.raw(spec.value)
        if not layout.raw_min <= raw <= layout.raw_max:
            raise _DbcMismatchError("value", f"{spec.value:g} does not fit in {layout.bits} bits")
        if layout.lo <= layout.physical(raw) <= layout.hi:
            raise _DbcMismatchError("value", f"{spec.value:g} is inside the DBC range [{layout.lo:g}, {layout.hi:g}]"
                                    " (use stuck)")
        return
    assert spec.value is not None  # stuck / insert: checked by the schema
    if not layout.lo <= spec.value <= layout.hi:
        raise _DbcMismatchError("value", f"{spec.value:g} is outside the DBC range [{layout.lo:g}, {layout.hi:g}]"
                                " (use out_of_range)")


def out_of_range_raw(layout: RawLayout) -> int | None:
    """The first raw value above the DBC range (else the first below), or None if there is none."""
    for raw in (layout.raw(layout.hi) + 1, layout.raw(layout.lo) - 1):
        if layout.raw_min <= raw <= layout.raw_max and not layout.lo <= layout.physical(raw) <= layout.hi:
            return int(raw)
    return None
