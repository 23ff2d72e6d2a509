"""The shipped stages load, run through the whole rig in virtual time and meet their expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.results.events import EventDetector
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.loader import load_stage
from hil.stage.verdicts import Verdict, evaluate, messages_read
from tests.support import ROOT, prepared

STAGES = ROOT / "stages"
SHORT = ["standing_start", "gravel_paddles", "hairpins", "fast_limiter", "dune_climb"]


def run_stage(path: Path) -> list[Verdict]:
    """Run a stage file like `hil run --stage` does and evaluate its expectations."""
    stage = load_stage(path)
    prep = prepared(stage=stage)
    trace, detector = Trace(only=messages_read(stage.expectations)), EventDetector()
    with Rig(prep) as rig:
        rig.observe(trace)
        rig.observe(detector)
        rig.advance(stage.duration_ns)
    return evaluate(stage.expectations, trace, detector.events, end_ns=stage.duration_ns)


def failures(verdicts: list[Verdict]) -> list[str]:
    return [f"{v.name}: {v.detail}" for v in verdicts if not v.passed]


def test_every_shipped_stage_loads_with_expectations() -> None:
    files = sorted(STAGES.glob("*.yaml"))
    assert {p.stem for p in files} >= {*SHORT, "dune_climb", "long_mixed"}
    for path in files:
        stage = load_stage(path)
        assert stage.expectations, f"{path.name} has no expectations"
    assert load_stage(STAGES / "long_mixed.yaml").duration_ns >= 30 * 60 * 1_000_000_000


@pytest.mark.parametrize("name", SHORT)
def test_shipped_stage_meets_its_expectations(name: str) -> None:
    assert failures(run_stage(STAGES / f"{name}.yaml")) == []


@pytest.mark.slow
def test_long_mixed_stage_meets_its_expectations() -> None:
    assert failures(run_stage(STAGES / "long_mixed.yaml")) == []
