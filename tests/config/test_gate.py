"""One gate for every number: finite, inside its documented range, refused with file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.cli import main
from hil.config.calibration import CalibrationSet, load_calibration
from hil.config.ranges import bounds, markdown
from hil.config.rig import RigFile, load_rig
from hil.errors import CalibrationError, RigError
from tests.support import RALLY, ROOT, VIRTUAL_RIG


def test_every_number_in_calibration_and_rig_files_has_both_bounds() -> None:
    loose = [b.key for model in (CalibrationSet, RigFile) for b in bounds(model) if not b.complete]
    assert loose == [], "give these Field(ge/gt=..., le/lt=...) (see docs/ranges.md)"


def test_no_number_may_come_arbitrarily_close_to_zero() -> None:
    # `gt=0` lets 5e-324 through: divided by 1000 it is 0, and its inverse is inf (found by the
    # check-or-run property test). A positive quantity needs a physical minimum instead.
    open_zero = [b.key for model in (CalibrationSet, RigFile) for b in bounds(model) if b.lo == 0 and b.lo_open]
    assert open_zero == [], "use ge=<smallest physical value> instead of gt=0"


def test_docs_ranges_table_is_generated_from_the_schemas() -> None:
    assert (ROOT / "docs" / "ranges.md").read_text() == markdown(), "run: python -m hil.config.ranges > docs/ranges.md"


def test_every_default_lies_inside_its_own_range() -> None:
    defaults = CalibrationSet.model_validate({"meta": {"name": "x"}})
    CalibrationSet.model_validate(defaults.model_dump())  # pydantic does not check defaults itself


def _calibration(tmp_path: Path, section: str, line: str) -> Path:
    path = tmp_path / "cal.toml"
    path.write_text(f'[meta]\nname = "x"\n\n[{section}]\n{line}\n')
    return path


@pytest.mark.parametrize(
    ("section", "line", "key", "reason"),
    [
        ("vehicle", "cda_m2 = inf", "vehicle.cda_m2", "finite"),
        ("vehicle", "cda_m2 = 1e308", "vehicle.cda_m2", "less than or equal to 10"),
        ("engine", "curve_nm = [350.0, nan, 650.0, 750.0, 750.0]", "engine.curve_nm[1]", "finite"),
        ("hardware", "final_drive = 1e308", "hardware.final_drive", "less than or equal to 10"),
        ("hardware", "gear_ratios = [5.0, 3.2, 2.1, 1.7, 1.3, 1.0, 0.8, -inf]", "hardware.gear_ratios[7]", "finite"),
        ("tcu.shift.power_on_up", "fill_ms = inf\ntorque_ms = 30.0\ninertia_bar = 7.0",
         "tcu.shift.power_on_up.fill_ms", "finite"),
        ("tcu", "limiter_upshift_gears = [99]", "tcu.limiter_upshift_gears[0]", "less than or equal to 8"),
        ("driver", "speed_kp_pct_per_kph = nan", "driver.speed_kp_pct_per_kph", "finite"),
        ("dcu.rear", 'kind = "lsd"\npreload_nm = 1e9', "dcu.rear.lsd.preload_nm", "less than or equal to 4095"),
        ("tcu.thermal", "heat_capacity_j_per_k = 1e300", "tcu.thermal.heat_capacity_j_per_k", "less than or equal"),
    ],
)
def test_calibration_number_outside_its_range_is_refused(
    tmp_path: Path, section: str, line: str, key: str, reason: str,
) -> None:
    path = _calibration(tmp_path, section, line)
    with pytest.raises(CalibrationError) as err:
        load_calibration(path)
    assert (err.value.file, err.value.key) == (str(path), key)
    assert reason in err.value.reason


def _rig(tmp_path: Path, old: str, new: str) -> Path:
    text = VIRTUAL_RIG.read_text().replace('"../', f'"{ROOT}/')
    assert old in text
    path = tmp_path / "rig.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ('log = "can.log"', 'log = "can.log"\nduration_s = inf', "rig.duration_s", "finite"),
        ('log = "can.log"', 'log = "can.log"\nduration_s = 1e9', "rig.duration_s", "less than or equal"),
        ("[bus]", "[timeouts_ms]\nECM_Engine = -5.0\n\n[bus]", "timeouts_ms.ECM_Engine", "greater than or equal to 1"),
        ("[bus]", "[timeouts_ms]\nECM_Engine = nan\n\n[bus]", "timeouts_ms.ECM_Engine", "finite"),
        ("bitrate = 500000", "bitrate = nan", "bus", "'bitrate' must be a finite number"),
        ("bitrate = 500000", "bitrate = 1e12", "bus", "'bitrate' must be a whole number"),
        ("[bus]", "[realtime]\nspin_us = 1e400\n\n[bus]", "realtime.spin_us", ""),
        ('log = "can.log"', 'log = "/tmp/x.log"', "rig.log", "not an absolute path"),
        ('log = "can.log"', 'log = "../../x.log"', "rig.log", "'..' is not allowed"),
        ('log = "can.log"', 'log = "logs/../../x.log"', "rig.log", "'..' is not allowed"),
        ('log = "can.log"', 'log = "..\\\\x.log"', "rig.log", "'..' is not allowed"),
    ],
)
def test_rig_number_outside_its_range_is_refused(tmp_path: Path, old: str, new: str, key: str, reason: str) -> None:
    path = _rig(tmp_path, old, new)
    with pytest.raises(RigError) as err:
        load_rig(path)
    assert (err.value.file, err.value.key) == (str(path), key)
    assert reason in err.value.reason


GARBAGE = bytes(range(256)) * 8  # not UTF-8, not TOML, not YAML


@pytest.mark.parametrize("name", ["rig.toml", "cal.toml", "stage.yaml", "stage.csv", "powertrain.dbc"])
def test_binary_garbage_in_any_file_is_refused_by_check_and_run_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
) -> None:
    bad = tmp_path / name
    bad.write_bytes(GARBAGE)
    rig = tmp_path / "rig.toml"
    if name != "rig.toml":
        old = {"cal.toml": 'calibration = "../calibrations/rally.toml"',
               "powertrain.dbc": 'dbc = "../dbc/d7xr_powertrain.dbc"'}.get(name, 'log = "can.log"')
        key = {"cal.toml": "calibration", "powertrain.dbc": "dbc"}.get(name, "stage")
        rig = _rig(tmp_path, old.replace('"../', f'"{ROOT}/'), f'{key} = "{bad}"\n{old}' if key == "stage" else
                   f'{key} = "{bad}"')
    for argv in (["check", str(rig)], ["run", str(rig), "--out", str(tmp_path / "out")]):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        assert str(bad) in captured.out + captured.err
        assert "Traceback" not in captured.out + captured.err


def test_shipped_calibrations_pass_the_gate() -> None:
    for path in sorted((ROOT / "calibrations").glob("*.toml")):
        load_calibration(path)
    load_calibration(RALLY)
