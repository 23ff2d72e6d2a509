"""Rig files are validated before anything starts; errors name the file, the key and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.cli import main
from hil.config.rig import load_rig
from hil.errors import RigError
from tests.support import ROOT, VIRTUAL_RIG

GOOD = VIRTUAL_RIG.read_text()


def _rig(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rig.toml"
    path.write_text(text.replace('"../', f'"{ROOT}/'))
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ('time = "virtual"', 'time = "fast"', "rig.time", "'virtual' or 'real'"),
        ('time = "virtual"', 'tiem = "virtual"', "rig.tiem", "unknown key"),
        ('interface = "virtual"', 'interface = "virtul"', "bus", "unknown python-can interface 'virtul'"),
        ('"DCU"]', '"DCX"]', "rig.emulate", "unknown node 'DCX'"),
        ('[bus]', '[extra]\nx = 1\n\n[bus]', "extra", "unknown key"),
        ('name = "virtual"', 'name = "has space"', "rig.name", "pattern"),
        ('log = "can.log"', 'log = "can.log"\nduration_s = -1', "rig.duration_s", "greater than or equal to 0.001"),
    ],
)
def test_invalid_rig_is_refused_with_the_key_named(
    tmp_path: Path, old: str, new: str, key: str, reason: str,
) -> None:
    assert old in GOOD
    path = _rig(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RigError) as err:
        load_rig(path)
    assert err.value.file == str(path)
    assert err.value.key == key
    assert reason in err.value.reason


def test_rig_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="not valid TOML"):
        load_rig(_rig(tmp_path, "[rig\nname = 1"))


def test_missing_rig_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="file not found"):
        load_rig(tmp_path / "nope.toml")


def test_command_line_flags_override_the_rig_file() -> None:
    rig = load_rig(VIRTUAL_RIG).with_flags(interface="udp_multicast", channel="239.1.2.3", emulate=("TCU",))
    assert rig.spec.bus["interface"] == "udp_multicast" and rig.spec.bus["channel"] == "239.1.2.3"
    assert rig.emulate == frozenset({"TCU"})


def test_hil_check_prints_one_line_per_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace('time = "virtual"', 'time = "fast"').replace('emulate =', 'emulat =')
    assert main(["check", str(_rig(tmp_path, text))]) == 2
    lines = capsys.readouterr().err.strip().splitlines()  # problems on stderr, as for every command
    assert len(lines) == 2
    assert all(line.startswith(f"error: {tmp_path}") for line in lines)


def test_hil_check_names_a_bad_calibration_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cal = tmp_path / "cal.toml"
    cal.write_text((ROOT / "calibrations" / "rally.toml").read_text() + "\n[hardware2]\nx = 1\n")
    text = GOOD.replace('"../calibrations/rally.toml"', f'"{cal}"')
    assert main(["check", str(_rig(tmp_path, text))]) == 2
    assert f"error: {cal}: hardware2: unknown key" in capsys.readouterr().err


def test_hil_check_accepts_every_shipped_rig(capsys: pytest.CaptureFixture[str]) -> None:
    for rig in sorted((ROOT / "rigs").glob("*.toml")):
        assert main(["check", str(rig)]) == 0, capsys.readouterr().out
