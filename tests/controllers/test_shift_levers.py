"""The shift software's levers with the plant in the loop: a deeper torque cut or a higher
oncoming-clutch pressure shortens the power-on upshifts that the shift-time KPIs report
(t_inertia = J·Δω / (T_clutch - T_engine), docs/gearbox.md#inertia-phase-physics)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hil.models.enums import Selector
from hil.results.kpis import kpis_from_trace
from hil.stage.timeline import Timeline
from tests.support import RALLY, run_virtual

NS = 1_000_000_000
KPI = "shift_time_ms.POWER_ON_UP.median"


def full_throttle_in_d(seconds: float = 12.0) -> Timeline:
    tl = Timeline("full_throttle", int(seconds * NS))
    tl.track("selector").set(0, float(Selector.D))
    tl.track("accel_pct").set(NS, 100.0)
    return tl


def variant(tmp_path: Path, name: str, pattern: str, replacement: str) -> Path:
    text, n = re.subn(pattern, replacement, RALLY.read_text(), count=1, flags=re.M)
    assert n == 1, pattern
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def upshift_kpis(calibration: Path) -> dict[str, float]:
    rig, trace = run_virtual(full_throttle_in_d(), calibration=calibration)
    return kpis_from_trace(trace, rig.codec)


@pytest.fixture(scope="module")
def baseline() -> dict[str, float]:
    return upshift_kpis(RALLY)


def test_a_shallower_cut_makes_power_on_upshifts_slower(tmp_path: Path, baseline: dict[str, float]) -> None:
    shallow = upshift_kpis(variant(tmp_path, "cut60", r"^upshift_cut_pct = 20\.0", "upshift_cut_pct = 60.0"))
    none = upshift_kpis(variant(tmp_path, "cut100", r"^upshift_cut_pct = 20\.0", "upshift_cut_pct = 100.0"))
    assert shallow["shift.count.POWER_ON_UP"] == none["shift.count.POWER_ON_UP"] == baseline["shift.count.POWER_ON_UP"]
    assert baseline[KPI] < shallow[KPI] < none[KPI]
    assert none[KPI] >= baseline[KPI] + 20.0


def test_a_lower_oncoming_pressure_makes_power_on_upshifts_slower(tmp_path: Path,
                                                                  baseline: dict[str, float]) -> None:
    soft = upshift_kpis(variant(tmp_path, "soft", r"inertia_bar = 7\.0", "inertia_bar = 4.0"))
    assert soft["shift.count.POWER_ON_UP"] == baseline["shift.count.POWER_ON_UP"]
    assert soft[KPI] > baseline[KPI] + 10.0


def test_a_higher_oncoming_pressure_makes_power_on_upshifts_faster(tmp_path: Path,
                                                                   baseline: dict[str, float]) -> None:
    firm = upshift_kpis(variant(tmp_path, "firm", r"inertia_bar = 7\.0", "inertia_bar = 10.0"))
    assert firm[KPI] < baseline[KPI]
