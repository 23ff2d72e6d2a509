"""The generated codec is bit-identical to cantools for every message of the shipped DBC.

Reference = what the codec did before it was generated: saturate (NaN -> default, ±inf -> limit,
counted), fill the defaults, `cantools Message.encode(strict=False)`, then the E2E header.
"""

from __future__ import annotations

import math
from collections import Counter

import cantools
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.bus import codegen
from hil.bus.codec import Codec, Signals
from hil.bus.e2e import protect
from tests.support import ROOT

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"
CODEC = Codec.load(DBC)
NAMES = sorted(CODEC.specs)
_counters: dict[int, int] = {}


def test_every_message_of_the_shipped_dbc_is_generated() -> None:
    assert sorted(CODEC.generated) == sorted(CODEC.by_id)


def _reference_encode(name: str, values: Signals, non_finite: Counter[str]) -> bytes:
    spec = CODEC.specs[name]
    data = dict(spec.defaults)
    for key, value in values.items():
        lo, hi = spec.limits[key]
        if lo <= value <= hi:
            data[key] = value
            continue
        if math.isnan(value) or math.isinf(value):
            non_finite[f"{name}.{key}"] += 1
        data[key] = spec.defaults[key] if math.isnan(value) else lo if value < lo else hi
    raw = CODEC.db.get_message_by_name(name).encode(data, strict=False)
    if not spec.e2e:
        return raw
    counter = _counters.get(spec.frame_id, -1) + 1
    _counters[spec.frame_id] = counter % 15
    payload = bytearray(raw)
    protect(payload, spec.frame_id, counter)
    return bytes(payload)


def _signal_value(name: str, signal: str) -> st.SearchStrategy[float]:
    """Anywhere in (and well beyond) the signal's range: every raw step, its rounding ties, the
    limits themselves, far outside, and the non-finite values."""
    lo, hi = CODEC.specs[name].limits[signal]
    layout = CODEC.raw_layout(name, signal)
    raws = st.integers(layout.raw_min, layout.raw_max)
    return st.one_of(
        raws.map(layout.physical),
        raws.map(lambda r: layout.physical(r) + layout.scale / 2),  # ties: round-half-even must agree
        st.floats(lo, hi),
        st.floats(lo - 10 * (hi - lo) - 1, hi + 10 * (hi - lo) + 1),
        st.sampled_from([lo, hi, math.nan, math.inf, -math.inf, -0.0, 1e300, -1e300]),
        st.integers(int(lo) - 5, int(hi) + 5).map(float),
        st.booleans().map(float),
    )


@st.composite
def _values(draw: st.DrawFn, name: str) -> Signals:
    signals = [s for s in CODEC.specs[name].signals if s not in ("CRC", "Counter")]
    chosen = draw(st.lists(st.sampled_from(signals), unique=True)) if signals else []
    return {s: draw(_signal_value(name, s)) for s in chosen}


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_encode_is_bit_identical_to_cantools_with_saturation_and_e2e(name: str, data: st.DataObject) -> None:
    values = data.draw(_values(name))
    got_counts: Counter[str] = Counter()
    want_counts: Counter[str] = Counter()
    frame_id, got = CODEC.encode(name, values, got_counts)
    assert got == _reference_encode(name, values, want_counts)
    assert frame_id == CODEC.specs[name].frame_id
    assert got_counts == want_counts


@pytest.mark.parametrize("name", NAMES)
def test_encode_of_every_signal_at_each_raw_limit_is_bit_identical(name: str) -> None:
    spec = CODEC.specs[name]
    for signal in spec.signals:
        if signal in ("CRC", "Counter"):
            continue
        layout = CODEC.raw_layout(name, signal)
        lo, hi = spec.limits[signal]
        for raw in (layout.raw_min, layout.raw_min + 1, layout.raw_max - 1, layout.raw_max, 0):
            for value in (layout.physical(raw), layout.physical(raw) + layout.scale / 2, lo, hi):
                one = {signal: value}
                assert CODEC.encode(name, one, Counter())[1] == _reference_encode(name, one, Counter())


def _bits(signals: Signals) -> list[tuple[str, str]]:
    return [(k, float(v).hex()) for k, v in signals.items()]  # -0.0 and 0.0 differ here


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_decode_is_bit_identical_to_cantools_for_any_payload(name: str, data: st.DataObject) -> None:
    spec = CODEC.specs[name]
    payload = data.draw(st.binary(min_size=spec.length, max_size=spec.length))
    want = CODEC.db.get_message_by_name(name).decode_simple(payload, decode_choices=False)
    got = CODEC.decode(spec, payload, None).signals
    assert _bits(got) == _bits({k: float(v) for k, v in want.items()})  # type: ignore[arg-type]


def test_an_unknown_signal_is_refused() -> None:
    with pytest.raises(KeyError, match="NoSuchSignal"):
        CODEC.encode("ECM_Engine", {"EngineSpeed": 1.0, "NoSuchSignal": 2.0})


FLOAT_AND_MUX_DBC = """VERSION ""
BU_: A
BO_ 1 WithFloat: 8 A
 SG_ Level : 0|32@1- (1,0) [0|0] "" A
BO_ 2 Muxed: 8 A
 SG_ Mux M : 0|8@1+ (1,0) [0|255] "" A
 SG_ Low m0 : 8|8@1+ (1,0) [0|255] "" A
 SG_ High m1 : 8|8@1+ (1,0) [0|255] "" A
SIG_VALTYPE_ 1 Level : 1;
"""


def test_float_signals_and_multiplexed_messages_are_left_to_cantools() -> None:
    db = cantools.database.load_string(FLOAT_AND_MUX_DBC, database_format="dbc")
    assert isinstance(db, cantools.database.can.Database)
    reasons = {m.name: codegen.unsupported(m) for m in db.messages}
    assert reasons == {"WithFloat": "float signal Level", "Muxed": "multiplexed message"}
    assert all(codegen.generate(m, {}, {}) is None for m in db.messages)
