"""DBC codec: loads the database once, checks the contract, encodes and decodes frames.

cantools' union return types are narrowed here and nowhere else; the rest of the code
sees plain `dict[str, float]` signal values (enums as their integer raw value). Frames go
through functions generated from the DBC at load (hil/bus/codegen.py), bit-identical to cantools.
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
from hil.bus.codegen import Generated, generate, saturate
from hil.bus.e2e import E2EReceiver, E2EStatus, protect
from hil.errors import DbcError

Signals = dict[str, float]
_FLOAT_MAX = {32: 3.4028234663852886e38, 64: 1.7976931348623157e308}


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
        # Generated per-message functions (hil/bus/codegen.py), bit-identical to cantools; a
        # message whose layout is not generated (none in the shipped DBC) goes through cantools.
        self.generated: dict[int, Generated] = {}
        for frame_id, msg in self._messages.items():
            spec = self.by_id[frame_id]
            gen = generate(msg, spec.limits, spec.defaults)
            if gen is not None:
                self.generated[frame_id] = gen
        self._encoders = {self.by_id[i].name: g.encode for i, g in self.generated.items()}
        self._decoders = {i: g.decode for i, g in self.generated.items()}

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
        An unknown signal name raises KeyError (a programming error).
        """
        spec = self.specs[name]
        encoder = self._encoders.get(name)
        raw = encoder(values, non_finite) if encoder is not None else self._encode_cantools(spec, values, non_finite)
        if not spec.e2e:
            return spec.frame_id, raw
        payload = bytearray(raw)
        frame_id = spec.frame_id
        counter = self._tx_counter.get(frame_id, -1) + 1
        self._tx_counter[frame_id] = counter % 15
        protect(payload, frame_id, counter)
        return frame_id, bytes(payload)

    def _encode_cantools(self, spec: MessageSpec, values: Signals, non_finite: Counter[str] | None) -> bytes:
        data = dict(spec.defaults)
        for key, value in values.items():
            lo, hi = spec.limits[key]  # KeyError on an unknown signal is a programming error
            data[key] = value if lo <= value <= hi else saturate(value, lo, hi, spec.defaults[key],
                                                                 counts=non_finite, key=f"{spec.name}.{key}")
        return self._messages[spec.frame_id].encode(data, strict=False)

    def decode(self, spec: MessageSpec, data: bytes, rx: E2EReceiver | None) -> Decoded:
        """Decode a frame of known ID and right length; E2E-checked when protected."""
        status = rx.check(data) if (spec.e2e and rx is not None) else E2EStatus.OK
        if not status.usable:
            return Decoded(spec, {}, status)
        decoder = self._decoders.get(spec.frame_id)
        if decoder is not None:
            return Decoded(spec, decoder(data), status)  # a new dict per frame: receivers may keep it
        raw = self._messages[spec.frame_id].decode_simple(data, decode_choices=False)
        return Decoded(spec, {k: float(v) for k, v in raw.items()}, status)  # type: ignore[arg-type]

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
