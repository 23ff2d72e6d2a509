"""ABS with the whole car on the bus: a hard stop on tarmac keeps the wheels turning and stops
shorter than locked wheels; VehicleSpeed is the unit's estimate, the true speed is in the trace."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hil.results.trace import Trace
from hil.stage.timeline import Timeline
from tests.support import RALLY, run_virtual

NS = 1_000_000_000
BRAKE_S = 12.0
WHEELS = ("WheelSpeedFL", "WheelSpeedFR", "WheelSpeedRL", "WheelSpeedRR")


def hard_stop(surface: str = "tarmac") -> Timeline:
    """Up to 100 km/h in D, then 150 bar on the brake pedal (more than any tyre can take)."""
    tl = Timeline("hard_stop", 22 * NS)
    tl.track("target_speed_kph").set(0, 100.0)
    tl.track("target_speed_kph").set(int(BRAKE_S * NS), -1.0)
    tl.track("accel_pct").set(int(BRAKE_S * NS), 0.0)
    tl.track("brake_bar").set(int(BRAKE_S * NS), 150.0)
    tl.surfaces.append((0, (surface,) * 4))
    return tl


def without_abs(tmp_path: Path) -> Path:
    path = tmp_path / "no_abs.toml"
    path.write_text(RALLY.read_text() + "\n[vehicle.abs]\nenabled = false\n")
    return path


def braking(trace: Trace) -> list[tuple[int, dict[str, float], float]]:
    """(t, wheel speeds, true speed) from the brake application until the car is nearly stopped."""
    truth = dict(trace.series("ECM_PlantSensors", "TrueVehicleSpeed"))
    out = []
    for f in trace.of("ABS_WheelSpeeds"):
        true = truth.get(f.t_ns)
        if f.t_ns > BRAKE_S * NS + 50_000_000 and true is not None and true > 15.0:
            out.append((f.t_ns, f.signals, true))
    return out


def stopping_distance_m(trace: Trace) -> float:
    series = [(t, v) for t, v in trace.series("ECM_PlantSensors", "TrueVehicleSpeed") if t >= BRAKE_S * NS]
    return sum(a[1] / 3.6 * (b[0] - a[0]) / NS for a, b in itertools.pairwise(series))


@pytest.fixture(scope="module")
def with_abs() -> Trace:
    return run_virtual(hard_stop())[1]


def test_abs_keeps_every_wheel_turning_through_a_hard_stop(with_abs: Trace) -> None:
    rows = braking(with_abs)
    assert len(rows) > 100
    assert all(min(s[w] for w in WHEELS) > 0.5 * true for _, s, true in rows)


def test_vehicle_speed_is_the_abs_estimate_close_to_the_true_speed(with_abs: Trace) -> None:
    rows = braking(with_abs)
    assert all(abs(s["VehicleSpeed"] - true) < 8.0 for _, s, true in rows)
    assert any(s["VehicleSpeed"] != true for _, s, true in rows)  # an estimate, not the truth


def test_locked_wheels_without_abs_stop_longer(with_abs: Trace, tmp_path: Path) -> None:
    locked = run_virtual(hard_stop(), calibration=without_abs(tmp_path))[1]
    assert any(min(s[w] for w in WHEELS) < 1.0 for _, s, _ in braking(locked))
    assert stopping_distance_m(with_abs) < stopping_distance_m(locked)
