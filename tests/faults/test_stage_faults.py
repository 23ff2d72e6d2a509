"""`faults:` in a stage file: parsed into FaultSpecs, refused with file, line and key before a run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode

from hil.bus.codec import Codec
from hil.bus.faults import FaultSpec
from hil.errors import StageError
from hil.stage.faults import read_faults
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
HEAD = "stage: faulty\nduration: 30 s\nsteps:\n  - {at: 0 s, accel: 50 %}\n"


@dataclass
class _Stage:
    faults: tuple[FaultSpec, ...]


def compile_script(text: str, file: str, _base: object, codec: Codec) -> _Stage:
    """The `faults:` of a whole stage text, its lines as in the file (the stage is 30 s long)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise StageError(file, "", f"not valid YAML: {exc}") from None
    assert isinstance(root, MappingNode)
    node = next((v for k, v in root.value if k.value == "faults"), None)
    return _Stage(() if node is None else read_faults(node, file, codec, 30_000_000_000))


def _compile(faults: str) -> object:
    return compile_script(HEAD + "faults:\n" + faults, "faulty.yaml", None, CODEC)


def test_the_issue_example_compiles_into_three_faults_in_order() -> None:
    tl = compile_script(HEAD + """faults:
  - {at: 5 s, for: 500 ms, message: ABS_WheelSpeeds, kind: drop}
  - {at: 12 s, for: 2 s, message: DRV_Controls, kind: bad_crc}
  - {at: 20 s, for: 1 s, message: ECM_Engine, kind: stuck, signal: EngineSpeed, value: 3000}
""", "faulty.yaml", None, CODEC)
    assert [(f.kind, f.message, f.at_ns, f.for_ns) for f in tl.faults] == [
        ("drop", "ABS_WheelSpeeds", 5_000_000_000, 500_000_000),
        ("bad_crc", "DRV_Controls", 12_000_000_000, 2_000_000_000),
        ("stuck", "ECM_Engine", 20_000_000_000, 1_000_000_000)]
    assert tl.faults[2].value == 3000.0


def test_block_style_entries_and_hex_data_ids_are_accepted() -> None:
    tl = compile_script(HEAD + """faults:
  - at: 1 s
    kind: bad_data_id
    message: ECM_Engine
    data_id: 0x70
    direction: rx
""", "f.yaml", None, CODEC)
    assert (tl.faults[0].data_id, tl.faults[0].direction) == (0x70, "rx")


@pytest.mark.parametrize(("faults", "key", "words"), [
    ("  - {at: 5 s, message: ABS_WheelSpeeds, kind: melt}\n", "line 6: faults[0].kind", "Input should be"),
    ("  - {at: 5 s, message: ABS_WheelSpeeds, kind: drop}\n  - {at: 6 s, message: Nope, kind: drop}\n",
     "line 7: faults[1].message", "unknown message"),
    ("  - at: 5 s\n    kind: stuck\n    message: ECM_Engine\n    signal: Revs\n    value: 1\n",
     "line 9: faults[0].signal", "no signal"),
    ("  - {at: 40 s, message: ECM_Engine, kind: drop}\n", "line 6: faults[0].at", "not before the stage ends"),
    ("  - {at: 5, message: ECM_Engine, kind: drop}\n", "line 6: faults[0].at", "with its unit"),
    ("  - drop\n", "line 6: faults[0]", "expected a mapping"),
    ("  - {at: 1 s, message: ECM_Engine, kind: drop, kind: delay}\n", "line 6: faults[0].kind", "twice"),
])
def test_a_bad_fault_is_refused_with_file_line_and_key(faults: str, key: str, words: str) -> None:
    with pytest.raises(StageError) as info:
        _compile(faults)
    assert info.value.file == "faulty.yaml"
    assert info.value.key == key
    assert words in info.value.reason


def test_a_stage_without_faults_has_none() -> None:
    assert compile_script(HEAD, "f.yaml", None, CODEC).faults == ()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}[]:,- abkdmt0x5s\n'\"")), max_size=60))
def test_any_faults_text_compiles_or_is_a_stage_error(text: str) -> None:
    try:
        _compile(text)
    except StageError as exc:
        assert exc.file == "faulty.yaml"
