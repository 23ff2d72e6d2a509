"""DBC codec: loads the database once, checks the contract, encodes and decodes frames.

cantools' union return types are narrowed here and nowhere else; the rest of the code
sees plain `dict[str, float]` signal values (enums as their integer raw value).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cantools
import cantools.database
from cantools.database.can import Database, Message, Signal

from hil.bus import contract
from hil.bus.e2e import E2EReceiver, E2EStatus, protect
from hil.errors import DbcError

Signals = dict[str, float]
_FLOAT_MAX = {32: 3.4028234663852886e38, 64: 1.7976931348623157e308}
_CACHE_LIMIT = 4096  # entries per message; cleared when full (bounded memory on long runs)


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """What the runtime needs of one DBC message, narrowed from cantools' types."""

    name: str
    frame_id: int
    length: int
    sender: str
    cycle_ns: int | None  # None: event message
    e2e: bool
    signals: tuple[str, ...]
    limits: dict[str, tuple[float, float]] = field(repr=False)
    units: dict[str, str] = field(repr=False)
    choices: dict[str, dict[int, str]] = field(repr=False)
    defaults: Signals = field(repr=False)
    layouts: dict[str, RawLayout] = field(repr=False)  # bits and scaling: what a trace column's type follows


@dataclass(frozen=True, slots=True)
class RawLayout:
    """How one signal sits in its frame as a raw integer (for faults that write raw values)."""

    bits: int
    signed: bool
    scale: float
    offset: float
    lo: float  # DBC physical range
    hi: float
    is_float: bool = False  # an IEEE float on the wire (no raw integer)

    @property
    def raw_min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def raw_max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def raw(self, value: float) -> int:
        return round((value - self.offset) / self.scale)

    def physical(self, raw: int) -> float:
        return raw * self.scale + self.offset


@dataclass(slots=True)
class Decoded:
    spec: MessageSpec
    signals: Signals
    status: E2EStatus


class Codec:
    """Encode node outputs to frames and frames back to signals, with E2E on both sides."""

    def __init__(self, db: Database, path: str = "<dbc>") -> None:
        self.db = db
        self.path = path
        self.specs: dict[str, MessageSpec] = {}
        self.by_id: dict[int, MessageSpec] = {}
        self._messages: dict[int, Message] = {}
        for msg in db.messages:
            spec = _spec(msg, path)
            self.specs[spec.name] = spec
            self.by_id[spec.frame_id] = spec
            self._messages[spec.frame_id] = msg
        _check_contract(self, path)
        self._tx_counter: dict[int, int] = {}
        # Most frames repeat their content cycle after cycle (only the E2E header changes), so
        # cantools' results are memoised: encode by exact values, decode by payload minus header.
        # The encode key is the signal names then their values, in the caller's order: one flat
        # tuple (no per-signal pairs), unambiguous since names and values come in equal numbers.
        self._enc_cache: dict[int, dict[tuple[object, ...], bytes]] = {i: {} for i in self.by_id}
        self._dec_cache: dict[int, dict[bytes, Signals]] = {i: {} for i in self.by_id}

    @classmethod
    def load(cls, path: Path) -> Codec:
        try:
            db = cantools.database.load_file(str(path), database_format="dbc", strict=True)
        except FileNotFoundError:
            raise DbcError(str(path), "", "file not found") from None
        except Exception as exc:  # cantools raises many types for a broken file
            raise DbcError(str(path), "", f"does not load: {exc}") from None
        if not isinstance(db, Database):
            raise DbcError(str(path), "", "not a CAN database")
        return cls(db, str(path))

    def sent_by(self, nodes: set[str] | frozenset[str]) -> list[MessageSpec]:
        return [s for s in self.specs.values() if s.sender in nodes]

    def encode(self, name: str, values: Signals, non_finite: Counter[str] | None = None) -> tuple[int, bytes]:
        """Frame ID and payload; values are saturated to the DBC range, E2E applied.

        NaN becomes the signal's default (0 where the range allows) and ±inf its limit; each is
        counted in `non_finite` ("MSG.Signal"), so a model's bad number never takes the bus down.
        """
        spec = self.specs[name]
        frame_id = spec.frame_id
        cache = self._enc_cache[frame_id]
        values_key = (*values, *values.values())
        raw = cache.get(values_key)
        if raw is None:
            data = dict(spec.defaults)
            limits = spec.limits
            finite = True
            for key, value in values.items():
                lo, hi = limits[key]  # KeyError on an unknown signal is a programming error
                if lo <= value <= hi:
                    data[key] = value
                    continue
                nan = math.isnan(value)  # fails both comparisons above, like an out-of-range value
                if nan or math.isinf(value):
                    finite = False
                    if non_finite is not None:
                        non_finite[f"{name}.{key}"] += 1
                data[key] = spec.defaults[key] if nan else lo if value < lo else hi
            raw = self._messages[frame_id].encode(data, strict=False)
            # never cache a non-finite key: every such frame must be counted (and NaN never equals itself)
            if finite:
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[values_key] = raw
        if not spec.e2e:
            return frame_id, raw
        payload = bytearray(raw)
        counter = self._tx_counter.get(frame_id, -1) + 1
        self._tx_counter[frame_id] = counter % 15
        protect(payload, frame_id, counter)
        return frame_id, bytes(payload)

    def decode(self, spec: MessageSpec, data: bytes, rx: E2EReceiver | None) -> Decoded:
        """Decode a frame of known ID and right length; E2E-checked when protected."""
        status = rx.check(data) if (spec.e2e and rx is not None) else E2EStatus.OK
        if not status.usable:
            return Decoded(spec, {}, status)
        cache = self._dec_cache[spec.frame_id]
        # Key on the payload without the E2E header, which changes every frame.
        key = bytes((data[1] & 0xF0,)) + data[2:] if spec.e2e else data
        signals = cache.get(key)
        if signals is None:
            raw = self._messages[spec.frame_id].decode_simple(data, decode_choices=False)
            signals = {k: float(v) for k, v in raw.items()}  # type: ignore[arg-type]
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[key] = signals
        # Receivers get their own dict: a cached one must never be mutated by a model.
        out = dict(signals)
        if spec.e2e:
            out["CRC"], out["Counter"] = float(data[0]), float(data[1] & 0x0F)
        return Decoded(spec, out, status)


    def restart_counters(self, frame_ids: frozenset[int]) -> None:
        """E2E counters of these messages start again from 0 (their sender was reset)."""
        for frame_id in frame_ids:
            self._tx_counter.pop(frame_id, None)

    def raw_layout(self, name: str, signal: str) -> RawLayout:
        return self.specs[name].layouts[signal]

    def with_raw(self, name: str, data: bytes, raw: dict[str, int]) -> bytes:
        """`data` with these signals set to raw values; every other bit (E2E header too) is kept."""
        msg = self._messages[self.specs[name].frame_id]
        zeros = dict.fromkeys((s.name for s in msg.signals), 0)
        width = len(data)
        out = int.from_bytes(data, "little")
        for signal, value in raw.items():
            layout = self.raw_layout(name, signal)
            ones = -1 if layout.signed else layout.raw_max
            mask = int.from_bytes(msg.encode({**zeros, signal: ones}, scaling=False, strict=False), "little")
            bits = int.from_bytes(msg.encode({**zeros, signal: value}, scaling=False, strict=False), "little")
            out = (out & ~mask) | (bits & mask)
        return out.to_bytes(width, "little")


def _spec(msg: Message, path: str) -> MessageSpec:
    names = tuple(s.name for s in msg.signals)
    e2e = "CRC" in names and "Counter" in names
    if e2e:
        crc, cnt = msg.get_signal_by_name("CRC"), msg.get_signal_by_name("Counter")
        if (crc.start, crc.length, cnt.start, cnt.length) != (0, 8, 8, 4):
            raise DbcError(path, f"{msg.name}.CRC/Counter",
                           "E2E header must be CRC-8 at bit 0 and a 4-bit counter at bit 8")
    if msg.is_extended_frame:
        raise DbcError(path, msg.name, "extended (29-bit) ID: the powertrain CAN uses 11-bit IDs")
    limits: dict[str, tuple[float, float]] = {}
    defaults: Signals = {}
    layouts: dict[str, RawLayout] = {}
    for s in msg.signals:
        lo, hi = signal_limits(s, f"{msg.name}.{s.name}", path)
        limits[s.name] = (lo, hi)
        defaults[s.name] = min(max(0.0, lo), hi)
        layouts[s.name] = RawLayout(s.length, bool(s.is_signed), float(s.scale), float(s.offset), lo, hi,
                                    bool(s.is_float))
    cycle = msg.cycle_time
    return MessageSpec(
        name=msg.name,
        frame_id=msg.frame_id,
        length=msg.length,
        sender=msg.senders[0] if msg.senders else "",
        cycle_ns=int(cycle) * 1_000_000 if cycle else None,
        e2e=e2e,
        signals=names,
        limits=limits,
        units={s.name: s.unit or "" for s in msg.signals},
        choices={s.name: {int(k): str(v) for k, v in s.choices.items()} for s in msg.signals if s.choices},
        defaults=defaults,
        layouts=layouts,
    )


def signal_limits(s: Signal, key: str, path: str) -> tuple[float, float]:
    """What a signal can carry: its declared range within what its bits and scaling can encode."""
    scale, offset = float(s.scale), float(s.offset)
    if scale == 0 or not math.isfinite(scale) or not math.isfinite(offset):
        raise DbcError(path, key, f"scale {s.scale} / offset {s.offset}: the scale must be finite and not 0")
    if s.is_float:
        if s.length not in _FLOAT_MAX:
            raise DbcError(path, key, f"a float signal is 32 or 64 bits, not {s.length}")
        raw_lo, raw_hi = -_FLOAT_MAX[s.length], _FLOAT_MAX[s.length]
    elif s.is_signed:
        raw_lo, raw_hi = -(1 << (s.length - 1)), (1 << (s.length - 1)) - 1
    else:
        raw_lo, raw_hi = 0, (1 << s.length) - 1
    lo, hi = sorted((raw_lo * scale + offset, raw_hi * scale + offset))
    if s.minimum is not None:
        lo = max(lo, float(s.minimum))
    if s.maximum is not None:
        hi = min(hi, float(s.maximum))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise DbcError(path, key, f"declared range [{s.minimum}|{s.maximum}] lies outside what "
                                  f"{s.length} bits x {s.scale} + {s.offset} can encode")
    return lo, hi


def _check_contract(codec: Codec, path: str) -> None:
    nodes = {n.name for n in codec.db.nodes}
    for node in contract.NODES:
        if node not in nodes:
            raise DbcError(path, f"BU_.{node}", "contract node is missing")
    for name, (sender, cycle_ms, e2e, needs) in contract.MESSAGES.items():
        spec = codec.specs.get(name)
        if spec is None:
            raise DbcError(path, name, "contract message is missing")
        if spec.sender != sender:
            raise DbcError(path, name, f"sender is {spec.sender or 'none'}, contract says {sender}")
        want_ns = cycle_ms * 1_000_000 if cycle_ms else None
        if spec.cycle_ns != want_ns:
            raise DbcError(path, f"{name}.GenMsgCycleTime",
                           f"is {spec.cycle_ns and spec.cycle_ns // 1_000_000} ms, contract says {cycle_ms}")
        if spec.e2e != e2e:
            raise DbcError(path, name, "E2E header (CRC, Counter) " + ("missing" if e2e else "unexpected"))
        if spec.length > 8:
            raise DbcError(path, name, f"{spec.length} bytes: contract messages are classic CAN frames (8 bytes)")
        for sig, need in needs.items():
            _check_need(codec, name, sig, need, path)
    for name, (frame_id, sender) in contract.DIAGNOSTIC.items():
        spec = codec.specs.get(name)
        if spec is None or spec.frame_id != frame_id or spec.sender != sender or spec.cycle_ns or spec.e2e:
            raise DbcError(path, name, f"diagnostic frame must be 0x{frame_id:X} from {sender}, "
                                       "event-driven, without an E2E header")
    for (name, sig), values in contract.ENUMS.items():
        table = codec.specs[name].choices.get(sig, {})
        wrong = [f"{raw} should be {label} (DBC: {table.get(raw, 'none')})"
                 for label, raw in values.items() if table.get(raw) != label]
        if wrong:
            raise DbcError(path, f"{name}.{sig}", f"value table differs from the contract: {', '.join(wrong)}")


def _check_need(codec: Codec, name: str, sig: str, need: contract.Need, path: str) -> None:
    spec = codec.specs[name]
    if sig not in spec.signals:
        raise DbcError(path, f"{name}.{sig}", "contract signal is missing")
    lo, hi = spec.limits[sig]
    if lo > need.lo or hi < need.hi:
        raise DbcError(path, f"{name}.{sig}", f"carries {lo:g}..{hi:g}, the contract needs {need.lo:g}..{need.hi:g} "
                                              "(length, scale, offset or declared range too small)")
    if need.whole:
        s = codec.db.get_message_by_name(name).get_signal_by_name(sig)
        if s.is_float or float(s.scale) != 1 or not float(s.offset).is_integer():
            raise DbcError(path, f"{name}.{sig}", f"scale {s.scale}, offset {s.offset}: a whole-number signal needs "
                                                  "scale 1 and a whole offset")
