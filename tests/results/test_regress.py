"""`hil regress`: a suite run in parallel with a slower-shifting candidate is judged a regression."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hil.cli import main
from tests.support import RALLY

TOLERANCES = Path(__file__).resolve().parents[2] / "stages" / "tolerances.toml"


def slower_candidate(tmp_path: Path) -> Path:
    """The rally calibration with softer oncoming clutches: every ratio change takes longer."""
    text = RALLY.read_text()
    slower, n = re.subn(r"(inertia_bar\s*=\s*)([0-9.]+)", lambda m: f"{m[1]}{float(m[2]) * 0.6:.2f}", text)
    assert n > 0, "no inertia_bar key found in the rally calibration"
    path = tmp_path / "candidate.toml"
    path.write_text(slower)
    return path


@pytest.fixture(scope="module")
def regress_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    tmp = tmp_path_factory.mktemp("regress")
    out = tmp / "out"
    code = main(["regress", "--calibration", str(slower_candidate(tmp)), "--suite", "builtin",
                 "--duration", "8", "--jobs", "2", "--tolerances", str(TOLERANCES), "--out", str(out)])
    return code, out


def test_slower_shifts_fail_the_regression_with_exit_1(regress_out: tuple[int, Path]) -> None:
    code, out = regress_out
    assert code == 1
    root = ET.parse(out / "report" / "junit.xml").getroot()
    failed = [tc.get("name") for tc in root.iter("testcase") if tc.find("failure") is not None]
    assert any(str(name).startswith("shift_time_ms.") for name in failed)


def test_regress_writes_both_sides_the_overlay_and_the_report(regress_out: tuple[int, Path]) -> None:
    _, out = regress_out
    for side in ("baseline", "candidate"):
        assert (out / side / "standing_start" / "kpis.json").is_file()
        assert (out / side / "standing_start" / "report.html").is_file()
    assert (out / "report" / "plots" / "standing_start.png").read_bytes()[:4] == b"\x89PNG"
    assert "REGRESSION" in (out / "report" / "report.html").read_text()


def test_a_stored_baseline_equal_to_the_candidate_passes(regress_out: tuple[int, Path], tmp_path: Path) -> None:
    _, out = regress_out
    code = main(["regress", "--calibration", str(RALLY), "--baseline", str(out / "baseline"), "--suite", "builtin",
                 "--duration", "8", "--jobs", "1", "--tolerances", str(TOLERANCES), "--out", str(tmp_path / "o"),
                 "--no-run-reports"])
    assert code == 0


def test_regress_refuses_a_missing_suite_with_exit_2(tmp_path: Path) -> None:
    assert main(["regress", "--calibration", str(RALLY), "--suite", str(tmp_path / "none"),
                 "--out", str(tmp_path / "o")]) == 2
