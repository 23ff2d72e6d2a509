"""Fault specs: one schema, checked against the DBC, refused whole with the key and the reason."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.bus.codec import Codec
from hil.bus.faults import KINDS, FaultSpec, parse_fault
from hil.errors import FaultError
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")


def _refusal(data: dict[str, Any]) -> FaultError:
    with pytest.raises(FaultError) as info:
        parse_fault(data, CODEC, file="stage.yaml", key="faults[0]")
    return info.value


def test_the_issue_examples_parse_with_their_times_in_ns() -> None:
    drop = parse_fault({"at": "5 s", "for": "500 ms", "message": "ABS_WheelSpeeds", "kind": "drop"}, CODEC)
    assert (drop.kind, drop.at_ns, drop.for_ns) == ("drop", 5_000_000_000, 500_000_000)
    stuck = parse_fault({"at": "20 s", "for": "1 s", "message": "ECM_Engine", "kind": "stuck",
                         "signal": "EngineSpeed", "value": 3000}, CODEC)
    assert (stuck.signal, stuck.value) == ("EngineSpeed", 3000.0)


def test_a_time_without_its_unit_is_refused_naming_the_key() -> None:
    err = _refusal({"at": 5, "message": "ABS_WheelSpeeds", "kind": "drop"})
    assert "at" in err.key and "unit" in err.reason


@pytest.mark.parametrize(("data", "key", "words"), [
    ({"kind": "melt", "message": "ABS_WheelSpeeds"}, "kind", "drop"),
    ({"kind": "drop", "message": "ABS_Wheelspeeds"}, "message", "unknown message"),
    ({"kind": "stuck", "message": "ECM_Engine", "signal": "Rpm", "value": 1}, "signal", "no signal"),
    ({"kind": "stuck", "message": "ECM_Engine", "signal": "EngineSpeed", "value": 20000}, "value", "out_of_range"),
    ({"kind": "stuck", "message": "ECM_Engine", "signal": "CRC", "value": 1}, "signal", "E2E header"),
    ({"kind": "out_of_range", "message": "DCU_Status", "signal": "CentreCouplingTorque"}, "signal", "every raw"),
    ({"kind": "out_of_range", "message": "HHB_Status", "signal": "State", "value": 2}, "value", "inside"),
    ({"kind": "bad_crc", "message": "TCU_ShiftEvent"}, "kind", "E2E-protected"),
    ({"kind": "bad_data_id", "message": "ECM_Engine", "data_id": 0x80}, "data_id", "own Data ID"),
    ({"kind": "silence", "node": "XYZ"}, "node", "unknown node"),
    ({"kind": "silence", "message": "ECM_Engine"}, "", "takes 'node'"),
    ({"kind": "drop", "message": "ECM_Engine", "signal": "EngineSpeed"}, "", "does not take signal"),
    ({"kind": "delay", "message": "ECM_Engine"}, "", "needs 'delay'"),
    ({"kind": "drop", "message": "ECM_Engine", "colour": "red"}, "colour", "unknown key"),
    ({"kind": "stuck", "message": "ECM_Engine", "signal": "EngineSpeed", "value": float("nan")}, "value", "finite"),
    ({"kind": "babble", "message": "ECM_Engine", "rate": 1e9}, "rate", "less than"),
])
def test_bad_specs_are_refused_with_the_key_and_reason(data: dict[str, Any], key: str, words: str) -> None:
    err = _refusal(data)
    assert err.file == "stage.yaml"
    assert err.key.startswith("faults[0]") and err.key.endswith(key)
    assert words in err.reason


def test_an_error_names_the_line_of_the_key_when_lines_are_known() -> None:
    with pytest.raises(FaultError) as info:
        parse_fault({"kind": "drop", "message": "Nope"}, CODEC, file="s.yaml", key="faults[1]",
                    lines={"": 7, "message": 9})
    assert info.value.key == "line 9: faults[1].message"


def test_out_of_range_without_a_value_picks_a_raw_value_outside_the_range() -> None:
    spec = parse_fault({"kind": "out_of_range", "message": "HHB_Status", "signal": "State"}, CODEC)
    assert spec.value is None  # chosen when the fault is built: the first raw above 4 (FAULT)


def test_a_spec_summary_gives_times_in_ms() -> None:
    spec = parse_fault({"kind": "delay", "message": "ECM_Engine", "delay": "50 ms", "for": "2 s"}, CODEC)
    assert spec.summary() == {"kind": "delay", "message": "ECM_Engine", "at_ms": 0.0, "for_ms": 2000.0,
                              "delay_ms": 50.0}


def test_the_python_api_can_give_times_in_ns() -> None:
    spec = FaultSpec(kind="drop", message="ECM_Engine", at_ns=1_000, for_ns=2_000)
    assert (spec.at_ns, spec.for_ns) == (1_000, 2_000)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["5 s", "1 ms", "ECM_Engine", "TCU", "EngineSpeed"]))
_KEYS = st.sampled_from(["kind", "message", "node", "signal", "value", "at", "for", "delay", "rate",
                         "count", "skip", "data_id", "data", "direction", "bogus"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=7), st.sampled_from(KINDS))
def test_any_mapping_is_a_valid_spec_or_a_fault_error_never_anything_else(data: dict[str, Any], kind: str) -> None:
    data.setdefault("kind", kind)
    try:
        spec = parse_fault(data, CODEC)
    except FaultError as exc:
        assert exc.reason
    else:
        assert spec.kind in KINDS
