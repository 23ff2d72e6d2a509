"""DBC codec: loads the database once, checks the contract, encodes and decodes frames.

cantools' union return types are narrowed here and nowhere else; the rest of the code
sees plain `dict[str, float]` signal values (enums as their integer raw value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cantools
import cantools.database
from cantools.database.can import Database, Message

from hil.bus import contract
from hil.bus.e2e import E2EReceiver, E2EStatus, protect
from hil.errors import DbcError

Signals = dict[str, float]
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

    def encode(self, name: str, values: Signals) -> tuple[int, bytes]:
        """Frame ID and payload; values are saturated to the DBC range, E2E applied."""
        spec = self.specs[name]
        frame_id = spec.frame_id
        cache = self._enc_cache[frame_id]
        values_key = (*values, *values.values())
        raw = cache.get(values_key)
        if raw is None:
            data = dict(spec.defaults)
            limits = spec.limits
            for key, value in values.items():
                lo, hi = limits[key]  # KeyError on an unknown signal is a programming error
                data[key] = lo if value < lo else hi if value > hi else value
            raw = self._messages[frame_id].encode(data, strict=False)
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
    for s in msg.signals:
        raw_max = (1 << s.length) - 1 if not s.is_signed else (1 << (s.length - 1)) - 1
        raw_min = 0 if not s.is_signed else -(1 << (s.length - 1))
        scale, offset = float(s.scale), float(s.offset)
        lo = float(s.minimum) if s.minimum is not None else raw_min * scale + offset
        hi = float(s.maximum) if s.maximum is not None else raw_max * scale + offset
        limits[s.name] = (lo, hi)
        defaults[s.name] = min(max(0.0, lo), hi)
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
    )


def _check_contract(codec: Codec, path: str) -> None:
    nodes = {n.name for n in codec.db.nodes}
    for node in contract.NODES:
        if node not in nodes:
            raise DbcError(path, f"BU_.{node}", "contract node is missing")
    for name, (sender, cycle_ms, e2e, signals) in contract.MESSAGES.items():
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
        for sig in signals:
            if sig not in spec.signals:
                raise DbcError(path, f"{name}.{sig}", "contract signal is missing")
    for (name, sig), values in contract.ENUMS.items():
        table = codec.specs[name].choices.get(sig, {})
        wrong = [f"{raw} should be {label} (DBC: {table.get(raw, 'none')})"
                 for label, raw in values.items() if table.get(raw) != label]
        if wrong:
            raise DbcError(path, f"{name}.{sig}", f"value table differs from the contract: {', '.join(wrong)}")
