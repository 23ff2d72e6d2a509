"""Per-message encode/decode functions generated from the DBC at load: plain integer bit operations.

They compute exactly what cantools computes (same conversion formulas, same rounding, same float
operations in the same order; tests/bus/test_codegen.py proves it for every message), without its
per-call dictionaries and bitstruct packing. Layouts not generated here (None): multiplexed or
container messages and float signals; the codec sends those through cantools.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from cantools.database.can import Message, Signal
from cantools.database.conversion import (
    BaseConversion,
    IdentityConversion,
    LinearConversion,
    LinearIntegerConversion,
    NamedSignalConversion,
)

Signals = dict[str, float]
# encode(values, non_finite) -> payload without the E2E header; decode(payload) -> signals
EncodeFn = Callable[[Signals, "Counter[str] | None"], bytes]
DecodeFn = Callable[[bytes], Signals]


@dataclass(frozen=True, slots=True)
class Generated:
    encode: EncodeFn
    decode: DecodeFn
    source: str  # kept for debugging (`print(codec.generated[name].source)`)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    var: str  # a Python identifier for the generated source
    bits: int
    signed: bool
    shift: int  # in the little-endian integer (Intel) or the big-endian one (Motorola)
    big: bool
    scale: float
    offset: float
    kind: str  # "identity" | "int" | "linear": cantools' conversion class
    lo: float
    hi: float
    default: float


def unsupported(msg: Message) -> str | None:
    """Why `msg` is left to cantools, or None when it can be generated."""
    if msg.is_container:
        return "container message"
    if msg.is_multiplexed():
        return "multiplexed message"
    for s in msg.signals:
        if s.is_float:
            return f"float signal {s.name}"
        if _kind(s) is None:
            return f"signal {s.name} has a conversion cantools may change"
    return None


def generate(msg: Message, limits: dict[str, tuple[float, float]], defaults: Signals) -> Generated | None:
    """Encode and decode functions for `msg`, or None if its layout is not supported here."""
    if unsupported(msg) is not None:
        return None
    fields = [_field(i, s, msg.length, limits[s.name], defaults[s.name]) for i, s in enumerate(msg.signals)]
    source = "\n".join([*_encoder(msg.name, msg.length, fields), "", *_decoder(msg.length, fields)]) + "\n"
    namespace: dict[str, object] = {"saturate": saturate, "_unknown": _unknown, "_int_raw": _int_raw}
    exec(compile(source, f"<codec {msg.name}>", "exec"), namespace)  # our own generated text, from the DBC
    return Generated(namespace["encode"], namespace["decode"], source)  # type: ignore[arg-type]


def _conversion(s: Signal) -> BaseConversion:
    """The conversion cantools really applies to numbers (a value table wraps an inner one)."""
    conversion = s.conversion
    return conversion._conversion if isinstance(conversion, NamedSignalConversion) else conversion


def _kind(s: Signal) -> str | None:
    kinds = {IdentityConversion: "identity", LinearIntegerConversion: "int", LinearConversion: "linear"}
    return kinds.get(type(_conversion(s)))


def _field(index: int, s: Signal, length: int, limits: tuple[float, float], default: float) -> _Field:
    big = s.byte_order == "big_endian"
    if big:
        msb = 8 * (s.start // 8) + (7 - s.start % 8)  # network bit number of the most significant bit
        shift = 8 * length - (msb + s.length)
    else:
        shift = s.start
    conv = _conversion(s)
    kind = _kind(s)
    assert kind is not None
    return _Field(s.name, f"v{index}", s.length, bool(s.is_signed), shift, big,
                  conv.scale, conv.offset, kind, limits[0], limits[1], default)


def _raw_expr(f: _Field, x: str) -> str:
    """cantools' numeric_scaled_to_raw for this conversion, as an expression of `x`."""
    if f.kind == "identity":
        return f"_round({x})"
    # x - 0 is x bit for bit (-0.0 included), so a zero offset is left out
    minus = f" - {f.offset!r}" if f.offset else ""
    if f.kind == "linear":
        return f"_round(({x}{minus}) / {f.scale!r})"
    if f.scale == 1:  # divmod by 1 leaves no remainder exactly when the value is whole: round() either way
        return f"_round({x}{minus})"
    return f"_int_raw({x}, {f.offset!r}, {f.scale!r})"


def _int_raw(value: float, offset: int, scale: int) -> int:
    raw = value - offset
    quotient, remainder = divmod(raw, scale)
    return round(quotient if remainder == 0 else raw / scale)


def _default_raw(f: _Field) -> int:
    namespace = {"_round": round, "_int_raw": _int_raw}
    return int(eval(_raw_expr(f, repr(f.default)), namespace))  # our own expression


def _encoder(name: str, length: int, fields: list[_Field]) -> list[str]:
    # builtins and helpers bound as defaults: local lookups are the cheapest in CPython
    lines = ["def encode(values, non_finite, _round=round, saturate=saturate, _int_raw=_int_raw):",
             "    get = values.get", "    found = 0"]
    little: list[str] = []
    big: list[str] = []
    for f in fields:
        mask = (1 << f.bits) - 1
        lines += [
            f"    {f.var} = get({f.name!r})",
            f"    if {f.var} is None:",
            f"        {f.var} = {_default_raw(f)}",
            "    else:",
            "        found += 1",
            f"        if not ({f.lo!r} <= {f.var} <= {f.hi!r}):",
            f"            {f.var} = saturate({f.var}, {f.lo!r}, {f.hi!r}, {f.default!r}, "
            f"counts=non_finite, key={name + '.' + f.name!r})",
            f"        {f.var} = {_raw_expr(f, f.var)}",
        ]
        term = f"({f.var} & {mask})" if f.signed else f.var
        term = f"({term} << {f.shift})" if f.shift else term
        (big if f.big else little).append(term)
    lines += ["    if found != len(values):", "        _unknown(values, " + repr(tuple(f.name for f in fields)) + ")"]
    if little and big:
        lines.append(f"    return (({' | '.join(little)}) | int.from_bytes(({' | '.join(big)})"
                     f".to_bytes({length}, 'big'), 'little')).to_bytes({length}, 'little')")
    elif big:
        lines.append(f"    return ({' | '.join(big)}).to_bytes({length}, 'big')")
    else:
        lines.append(f"    return ({' | '.join(little) or '0'}).to_bytes({length}, 'little')")
    return lines


def _decoder(length: int, fields: list[_Field]) -> list[str]:
    lines = ["def decode(data, _float=float):"]
    if any(not f.big for f in fields):
        lines.append("    le = int.from_bytes(data, 'little')")
    if any(f.big for f in fields):
        lines.append("    be = int.from_bytes(data, 'big')")
    items = []
    for f in fields:
        mask = (1 << f.bits) - 1
        src = "be" if f.big else "le"
        raw = f"({src} >> {f.shift} & {mask})" if f.shift else f"({src} & {mask})"
        if f.signed:
            lines.append(f"    {f.var} = {raw}")
            lines.append(f"    if {f.var} >> {f.bits - 1}:")
            lines.append(f"        {f.var} -= {1 << f.bits}")
            raw = f.var
        items.append(f"{f.name!r}: {_physical_expr(f, raw)}")
    lines.append("    return {" + ", ".join(items) + "}")
    return lines


def _physical_expr(f: _Field, raw: str) -> str:
    """cantools' raw_to_scaled as a float, the same operations in the same order."""
    if f.kind == "identity":
        return f"_float({raw})"
    if f.kind == "int":
        return f"_float({raw} * {f.scale!r} + {f.offset!r})"
    # raw * scale is -0.0 only for a negative scale; otherwise adding a zero offset changes nothing
    plus = f" + {f.offset!r}" if f.offset or f.scale < 0 else ""
    return f"{raw} * {f.scale!r}{plus}"


def saturate(value: float, lo: float, hi: float, default: float, *, counts: Counter[str] | None, key: str) -> float:
    """An out-of-range value at its limit; NaN at the signal default, ±inf at its limit, counted."""
    nan = math.isnan(value)  # fails both range comparisons, like an out-of-range value
    if (nan or math.isinf(value)) and counts is not None:
        counts[key] += 1
    return default if nan else lo if value < lo else hi


def _unknown(values: Signals, known: tuple[str, ...]) -> None:
    extra = sorted(set(values) - set(known))
    raise KeyError(f"unknown signal(s) {', '.join(extra)}")
