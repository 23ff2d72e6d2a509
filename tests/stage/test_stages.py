"""The shipped stages load, run through the whole rig in virtual time and meet their expectations."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.results.events import EventDetector
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.loader import load_stage
from hil.stage.verdicts import Verdict, evaluate, messages_read
from tests.support import RALLY, ROAD, ROOT, prepared

STAGES = ROOT / "stages"
# every shipped stage but long_mixed (32 simulated minutes: `-m slow`); sand_climb_heat is 10 minutes, ~16 s
SHORT = ["standing_start", "gravel_paddles", "hairpins", "fast_limiter", "dune_climb", "jumps", "sand_climb_heat"]


WHEELS = ("WheelSpeedFL", "WheelSpeedFR", "WheelSpeedRL", "WheelSpeedRR")
ZIGZAG_KPH = 2.0  # a 10 ms step this large, reversed twice in a row, is an oscillation (55 m/s² swings)


@functools.cache
def run_stage(path: Path, calibration: Path | None = None) -> tuple[list[Verdict], Trace]:
    """Run a stage file like `hil run --stage` does and evaluate its expectations (once per test session)."""
    stage = load_stage(path)
    prep = prepared(stage=stage, calibration=calibration)
    trace = Trace(only=messages_read(stage.expectations) | {"ABS_WheelSpeeds"})
    detector = EventDetector()
    with Rig(prep) as rig:
        rig.observe(trace)
        rig.observe(detector)
        rig.advance(stage.duration_ns)
    return evaluate(stage.expectations, trace, detector.events, end_ns=stage.duration_ns), trace


def oscillations(trace: Trace) -> list[tuple[float, str, list[float]]]:
    """Wheel speeds that zig-zag: three successive 10 ms steps alternating in sign, each >= ZIGZAG_KPH."""
    found = []
    for wheel in WHEELS:
        series = trace.series("ABS_WheelSpeeds", wheel)
        for k in range(3, len(series)):
            v = [x for _, x in series[k - 3:k + 1]]
            a, b, c = v[1] - v[0], v[2] - v[1], v[3] - v[2]
            if a * b < 0 and b * c < 0 and min(abs(a), abs(b), abs(c)) >= ZIGZAG_KPH:
                found.append((series[k][0] / 1e9, wheel, v))
    return found


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
    assert failures(run_stage(STAGES / f"{name}.yaml")[0]) == []


@pytest.mark.parametrize("name", SHORT)
def test_no_wheel_speed_oscillates_on_a_shipped_stage(name: str) -> None:
    assert oscillations(run_stage(STAGES / f"{name}.yaml")[1])[:3] == []


@pytest.mark.slow
def test_long_mixed_stage_meets_its_expectations_without_wheel_speed_oscillation() -> None:
    verdicts, trace = run_stage(STAGES / "long_mixed.yaml")
    assert failures(verdicts) == []
    assert oscillations(trace)[:3] == []


def test_the_hot_sand_climb_reaches_derate_with_the_road_cooler_and_not_with_the_rally_one(tmp_path: Path) -> None:
    stage = STAGES / "sand_climb_heat.yaml"
    _, trace = run_stage(stage)  # its expectations are judged with the others
    derate_c = load_calibration(RALLY).values.tcu.thermal.derate_c
    assert max(v for _, v in trace.series("TCU_Status", "OilTemp")) < derate_c
    road_cooler = load_calibration(ROAD).values.tcu.thermal.cooling_w_per_k
    text = RALLY.read_text()
    variant = tmp_path / "rally_with_road_cooler.toml"
    variant.write_text(text.replace("cooling_w_per_k = 450.0", f"cooling_w_per_k = {road_cooler}"))
    assert variant.read_text() != text
    _, hot = run_stage(stage, variant)
    assert max(v for _, v in hot.series("TCU_Status", "OilTemp")) >= derate_c
