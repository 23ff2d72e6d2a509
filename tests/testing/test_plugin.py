"""The pytest plugin (hil.testing) and the Python API: the README's example runs, failures read well."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import hil
from hil.testing import BusPlayer, assert_events, assert_kpi, assert_passed
from tests.support import ROOT

README_EXAMPLE = re.compile(r"```python\n(# test_my_controller\.py\n.*?)```", re.S)


def readme_example() -> str:
    (code,) = README_EXAMPLE.findall((ROOT / "README.md").read_text())
    return str(code)


def test_the_readme_example_test_file_passes_in_a_folder_made_by_hil_init(tmp_path: Path) -> None:
    assert hil_main(["init", str(tmp_path / "my-rig")]) == 0
    (tmp_path / "my-rig" / "test_my_controller.py").write_text(readme_example())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "hil.testing", "-p", "no:cacheprovider"],
                          cwd=tmp_path / "my-rig", env={"PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def hil_main(argv: list[str]) -> int:
    from hil.cli import main

    return main(argv)


@pytest.mark.hil(emulate=["HHB"])
def test_expect_says_what_came_instead(hil_player: BusPlayer) -> None:
    hil_player.set("DRV_Controls", Selector="D", HandbrakeLever=0)
    with pytest.raises(AssertionError, match=r"no HHB_Status with State=LOCKED \(2\) between 0\.000 s and 0\.200 s "
                                             r"\(\d+ frames\); the last had State=OFF \(0\)"):
        hil_player.expect("HHB_Status", State="LOCKED", within_s=0.2)


@pytest.mark.hil(emulate=["HHB"])
def test_the_player_refuses_names_the_dbc_does_not_have(hil_player: BusPlayer) -> None:
    with pytest.raises(hil.HilError, match=r"DRV_Controls.Selector: no value 'Q' \(one of: P, R, N, D, M\)"):
        hil_player.set("DRV_Controls", Selector="Q")
    with pytest.raises(hil.HilError, match="no signal 'Pedal' in DRV_Controls"):
        hil_player.set("DRV_Controls", Pedal=3)


def test_stage_runner_returns_kpis_events_and_verdicts(hil_stage: object) -> None:
    results = hil_stage()  # type: ignore[operator]  # the rig's own stage: the embedded standing start
    assert isinstance(results, hil.Results) and results.judged and results.passed
    assert results.kpis["shift.count"] == len(results.of_kind("shift")) > 0
    assert results.folder is not None and hil.load_results(results.folder).kpis == results.kpis


def test_assertion_messages_name_stage_measure_and_want() -> None:
    results = hil.Results("demo", {"shift.count": 3.0, "distance_m": 120.0}, [], [], True, 10.0)
    with pytest.raises(AssertionError, match=r"stage 'demo': shift.count = 3, wanted <= 2"):
        assert_kpi(results, "shift.count", at_most=2)
    with pytest.raises(AssertionError, match=r"no KPI 'shift.cout' \(did you mean shift.count\?\)"):
        assert_kpi(results, "shift.cout")
    with pytest.raises(AssertionError, match=r"0 'shift' event\(s\), wanted 3 \(kinds seen: none\)"):
        assert_events(results, "shift", count=3)
    unjudged = hil.Results("demo", {}, [], [], False, 4.0)
    with pytest.raises(AssertionError, match=r"was not judged: it stopped at 4\.00 s before its end"):
        assert_passed(unjudged)


def test_run_stage_without_out_keeps_no_folder_and_refuses_real_time_rigs() -> None:
    results = hil.run_stage(duration_s=2.0)
    assert results.folder is None and not results.judged, "a shorter run is never judged"
    with pytest.raises(hil.HilError, match="virtual time"):
        hil.run_stage(rig=ROOT / "rigs" / "vcan.toml")
