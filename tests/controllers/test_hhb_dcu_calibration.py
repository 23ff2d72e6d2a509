"""[hhb] and [dcu] calibration sections: both car variants load, and mistakes name file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.config.calibration import load_calibration
from hil.errors import CalibrationError
from hil.models.dcu import ActiveDiffCalibration, LsdCalibration
from tests.support import RALLY, ROAD


def test_rally_car_has_mechanical_lsds_front_and_rear() -> None:
    dcu = load_calibration(RALLY).values.dcu
    assert isinstance(dcu.front, LsdCalibration) and isinstance(dcu.rear, LsdCalibration)
    assert dcu.front.power_ratio < dcu.rear.power_ratio, "front softer than rear (docs/differentials.md)"


def test_road_car_has_an_open_front_and_an_active_rear_diff() -> None:
    dcu = load_calibration(ROAD).values.dcu
    assert isinstance(dcu.front, LsdCalibration) and dcu.front.preload_nm == 0 and dcu.front.power_ratio == 0
    assert isinstance(dcu.rear, ActiveDiffCalibration)


def with_section(tmp_path: Path, base: Path, old: str, new: str) -> Path:
    text = base.read_text()
    assert old in text
    path = tmp_path / "cal.toml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(("old", "new", "key", "reason"), [
    ("lever_off_pct = 5.0 ", "lever_off_pct = 15.0 ", "hhb", "hysteresis"),
    ("max_pressure_bar = 120.0", "max_pressure_bar = -1.0", "hhb.max_pressure_bar", "greater than or equal to 1"),
    ("[hhb]\n", "[hhb]\nmax_presure_bar = 1.0\n", "hhb.max_presure_bar", "unknown key"),
    ("handbrake_reclose_ms = 300.0", "handbrake_reclose_ms = 900.0", "dcu.centre.handbrake_reclose_ms",
     "less than or equal to 500"),
    ('kind = "lsd"                    # E: Xtrac', 'kind = "locker"                    # E: Xtrac', "dcu.rear",
     "does not match any of the expected tags"),
    ("power_ratio = 0.5\n", "power_ratio = 1.5\n", "dcu.rear.lsd.power_ratio", "less than or equal to 1"),
])
def test_bad_hhb_or_dcu_values_name_the_key_and_the_reason(
        tmp_path: Path, old: str, new: str, key: str, reason: str) -> None:
    path = with_section(tmp_path, RALLY, old, new)
    with pytest.raises(CalibrationError) as err:
        load_calibration(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert reason in err.value.reason


def test_active_diff_key_in_an_lsd_section_is_refused(tmp_path: Path) -> None:
    path = with_section(tmp_path, RALLY, "coast_ratio = 0.3\n", "coast_ratio = 0.3\nkp_nm_per_kph = 100.0\n")
    with pytest.raises(CalibrationError) as err:
        load_calibration(path)
    assert err.value.key == "dcu.rear.lsd.kp_nm_per_kph"
