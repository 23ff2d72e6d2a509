"""Codec: physical values survive encode/decode within one DBC step; out-of-range values saturate."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from hil.bus.codec import Codec
from hil.bus.e2e import E2EReceiver, E2EStatus
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
SCALES = {m.name: {s.name: float(s.scale) for s in m.signals} for m in CODEC.db.messages}
NAMES = sorted(n for n in CODEC.specs if n != "TCU_ShiftEvent")


@st.composite
def message_values(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    name = draw(st.sampled_from(NAMES))
    spec = CODEC.specs[name]
    values = {}
    for sig in spec.signals:
        if sig in ("CRC", "Counter"):
            continue
        lo, hi = spec.limits[sig]
        values[sig] = draw(st.floats(min_value=lo - 100, max_value=hi + 100, allow_nan=False))
    return name, values


@given(message_values())
def test_values_round_trip_within_one_step_and_saturate_at_the_dbc_limits(case: tuple[str, dict[str, float]]) -> None:
    name, values = case
    spec = CODEC.specs[name]
    frame_id, data = CODEC.encode(name, values)
    assert frame_id == spec.frame_id and len(data) == spec.length
    decoded = CODEC.decode(spec, data, E2EReceiver(frame_id) if spec.e2e else None)
    assert decoded.status in (E2EStatus.INITIAL, E2EStatus.OK)
    for sig, value in values.items():
        lo, hi = spec.limits[sig]
        want = min(max(value, lo), hi)
        assert math.isclose(decoded.signals[sig], want, abs_tol=SCALES[name][sig] * 1.0001), sig


def test_e2e_counter_increments_per_message_and_wraps_after_14() -> None:
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    counters = [codec.encode("ECM_Engine", {})[1][1] & 0x0F for _ in range(17)]
    assert counters == [*range(15), 0, 1]
    assert codec.encode("ABS_WheelSpeeds", {})[1][1] & 0x0F == 0, "each message has its own counter"


def test_repeated_content_decodes_with_its_own_counter_and_a_private_dict() -> None:
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    spec = codec.specs["DCU_Status"]
    rx = E2EReceiver(spec.frame_id)
    first = codec.decode(spec, codec.encode("DCU_Status", {"CentreCouplingTorque": 300.0})[1], rx)
    first.signals["CentreCouplingTorque"] = -1.0  # a careless model must not poison the next frame
    second = codec.decode(spec, codec.encode("DCU_Status", {"CentreCouplingTorque": 300.0})[1], rx)
    assert (first.signals["Counter"], second.signals["Counter"]) == (0.0, 1.0)
    assert second.signals["CentreCouplingTorque"] == 300.0
    assert second.status is E2EStatus.OK


ANY_FLOAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, -math.inf]))


@st.composite
def any_values(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    name = draw(st.sampled_from(sorted(CODEC.specs)))
    sigs = [s for s in CODEC.specs[name].signals if s not in ("CRC", "Counter")]
    return name, {s: draw(ANY_FLOAT) for s in draw(st.lists(st.sampled_from(sigs), unique=True))}


@given(any_values(), st.integers(1, 3))
def test_any_float_encodes_to_a_valid_frame_and_every_nan_or_inf_is_counted(
    case: tuple[str, dict[str, float]], repeats: int,
) -> None:
    name, values = case
    spec = CODEC.specs[name]
    counts: Counter[str] = Counter()
    for _ in range(repeats):  # repeated content is served from the cache: it must still be counted
        _, data = CODEC.encode(name, values, counts)
    decoded = CODEC.decode(spec, data, None).signals
    for sig, value in values.items():
        lo, hi = spec.limits[sig]
        assert lo - SCALES[name][sig] <= decoded[sig] <= hi + SCALES[name][sig]
        assert counts[f"{name}.{sig}"] == (0 if math.isfinite(value) else repeats)


def test_nan_sends_the_signal_default_and_infinities_its_limits() -> None:
    spec = CODEC.specs["ECM_Engine"]
    counts: Counter[str] = Counter()
    _, data = CODEC.encode("ECM_Engine", {"EngineSpeed": math.nan, "EngineTorque": -math.inf,
                                          "EngineTorqueMax": math.inf}, counts)
    got = CODEC.decode(spec, data, None).signals
    assert (got["EngineSpeed"], got["EngineTorque"], got["EngineTorqueMax"]) == (
        0.0, spec.limits["EngineTorque"][0], spec.limits["EngineTorqueMax"][1])
    assert counts == {"ECM_Engine.EngineSpeed": 1, "ECM_Engine.EngineTorque": 1, "ECM_Engine.EngineTorqueMax": 1}
