"""The `[tcu]` calibration: both shipped files load; a bad value names the file, the key and the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.errors import CalibrationError
from hil.models.enums import ShiftKind
from tests.support import RALLY, ROAD


def edited(tmp_path: Path, pattern: str, replacement: str, base: Path = RALLY) -> Path:
    text, n = re.subn(pattern, replacement, base.read_text(), count=1, flags=re.S | re.M)
    assert n == 1, pattern
    path = tmp_path / "cal.toml"
    path.write_text(text)
    return path


def error_for(path: Path) -> CalibrationError:
    with pytest.raises(CalibrationError) as info:
        load_calibration(path)
    assert info.value.file == str(path)
    return info.value


def test_both_shipped_calibrations_load_with_a_tcu_section() -> None:
    for path in (RALLY, ROAD):
        tcu = load_calibration(path).values.tcu
        assert tcu.schedule.pairs == 7


def test_rally_timed_phases_are_shorter_and_its_inertia_pressures_faster_than_road_for_every_kind() -> None:
    rally, road = load_calibration(RALLY).values.tcu.shift, load_calibration(ROAD).values.tcu.shift
    for kind in ShiftKind:
        r, p = rally.of(kind), road.of(kind)
        assert rally.decision_ms + r.fill_ms + r.torque_ms < road.decision_ms + p.fill_ms + p.torque_ms
        if kind is ShiftKind.POWER_ON_DOWN:  # the engine flares against the slipping offgoing element
            assert r.inertia_bar <= p.inertia_bar
        else:  # the oncoming element pulls the input across
            assert r.inertia_bar >= p.inertia_bar


def test_upshift_map_that_falls_with_pedal_is_rejected(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"\[400, 540, 740, 1000, 1260\]", "[400, 540, 740, 700, 1260]"))
    assert err.key == "tcu.schedule.upshift_output_rpm"
    assert "monotonic" in err.reason


def test_downshift_line_too_close_under_the_upshift_landing_is_rejected(tmp_path: Path) -> None:
    # 1<-2 at full pedal: 1,200 output rpm is 3,840 rpm in 2nd, 192 rpm under where the 1->2 upshift
    # at 1,260 lands (4,032 rpm): less than the 300-500 rpm the hunting rule asks for
    err = error_for(edited(tmp_path, r"\[275, 415, 615, 875, 1125\]", "[275, 415, 615, 875, 1200]"))
    assert err.key == "tcu.schedule.downshift_output_rpm[0][4]"
    assert "hunts" in err.reason and "192 rpm" in err.reason


def test_hysteresis_under_300_rpm_is_refused_whatever_the_maps(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"^min_hysteresis_rpm = 400\.0", "min_hysteresis_rpm = 250.0"))
    assert err.key == "tcu.schedule.min_hysteresis_rpm"


def test_map_rows_must_match_the_hardware_gear_count(tmp_path: Path) -> None:
    path = edited(tmp_path, r"^\[hardware\]\n", "[hardware]\ngear_ratios = [4.7, 3.1, 2.1, 1.7, 1.3, 1.0]\n")
    err = error_for(path)
    assert err.key == "tcu.schedule.upshift_output_rpm"
    assert "6 gears" in err.reason


def test_map_row_of_the_wrong_width_is_rejected(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"\[625, 844, 1156, 1562, 1969\]", "[625, 844, 1156, 1562]"))
    assert err.key == "tcu.schedule.upshift_output_rpm"
    assert "pedal_pct has 5" in err.reason


def test_non_positive_phase_time_is_rejected(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"power_on_up = \{ fill_ms = 40.0", "power_on_up = { fill_ms = 0.0"))
    assert err.key == "tcu.shift.power_on_up.fill_ms"
    assert "greater than or equal to 1" in err.reason


def test_limiter_upshift_from_top_gear_is_rejected(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"limiter_upshift_gears = \[\]", "limiter_upshift_gears = [8]"))
    assert err.key == "tcu.limiter_upshift_gears"


def test_unknown_tcu_key_is_rejected(tmp_path: Path) -> None:
    err = error_for(edited(tmp_path, r"^\[tcu\]\n", "[tcu]\nshift_time_ms = 150.0\n"))
    assert err.key == "tcu.shift_time_ms"
    assert "unknown key" in err.reason
