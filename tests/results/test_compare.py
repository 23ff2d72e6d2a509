"""`hil compare`: verdicts within tolerances, exit codes 0/1/2, JUnit XML and the comparison report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hil.cli import main
from hil.errors import ConfigError
from hil.results.compare import Status, Tolerance, judge, load_tolerances
from hil.results.junit import Case, Suite, write_junit
from hil.results.kpis import write_kpis

TOLERANCES = """
[default]
better = "equal"
rel_pct = 1.0

[kpi."shift_time_ms.*"]
better = "lower"
rel_pct = 5.0

[kpi."shift_time_ms.POWER_ON_UP.1-2.*"]
better = "lower"
abs = 50.0

[kpi."stage_time_s"]
better = "info"
"""


def make_run(path: Path, kpis: dict[str, float], stage: str = "s1") -> Path:
    path.mkdir(parents=True)
    write_kpis(path / "kpis.json", kpis)
    (path / "run.json").write_text(json.dumps({"stage": stage}))
    (path / "events.json").write_text("[]")
    return path


@pytest.fixture
def tol_file(tmp_path: Path) -> Path:
    p = tmp_path / "tolerances.toml"
    p.write_text(TOLERANCES)
    return p


BASE = {"shift_time_ms.POWER_ON_UP.median": 100.0, "shift_time_ms.POWER_ON_UP.1-2.max": 100.0,
        "engine_speed_rpm.max": 6500.0, "stage_time_s": 60.0}


def test_the_longest_matching_pattern_sets_the_tolerance(tol_file: Path) -> None:
    tols = load_tolerances(tol_file)
    assert tols.for_kpi("shift_time_ms.POWER_ON_UP.1-2.max").abs == 50.0
    assert tols.for_kpi("shift_time_ms.POWER_ON_UP.median").rel_pct == 5.0
    assert tols.for_kpi("rejects.OVERREV").better == "equal"


def test_slower_shift_beyond_five_percent_is_a_regression_and_faster_is_better() -> None:
    tol = Tolerance(better="lower", rel_pct=5.0)
    assert judge("k", 100.0, 105.0, tol).status is Status.OK
    assert judge("k", 100.0, 105.5, tol).status is Status.REGRESSION
    assert judge("k", 100.0, 90.0, tol).status is Status.BETTER
    assert judge("k", 100.0, None, tol).status is Status.MISSING
    assert judge("k", None, 1.0, tol).status is Status.NEW


def test_compare_exits_0_when_within_tolerance(tmp_path: Path, tol_file: Path) -> None:
    b = make_run(tmp_path / "b", BASE)
    c = make_run(tmp_path / "c", {**BASE, "shift_time_ms.POWER_ON_UP.median": 104.0, "stage_time_s": 70.0})
    assert main(["compare", str(b), str(c), "--tolerances", str(tol_file)]) == 0


def test_compare_exits_1_on_a_regression(tmp_path: Path, tol_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = make_run(tmp_path / "b", BASE)
    c = make_run(tmp_path / "c", {**BASE, "shift_time_ms.POWER_ON_UP.median": 110.0})
    assert main(["compare", str(b), str(c), "--tolerances", str(tol_file)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "shift_time_ms.POWER_ON_UP.median" in out


@pytest.mark.parametrize("problem", ["missing_folder", "no_kpis", "broken_kpis", "bad_tolerance"])
def test_compare_exits_2_on_bad_input(tmp_path: Path, tol_file: Path, problem: str) -> None:
    b = make_run(tmp_path / "b", BASE)
    c = make_run(tmp_path / "c", BASE)
    if problem == "missing_folder":
        c = tmp_path / "nope"
    elif problem == "no_kpis":
        (c / "kpis.json").unlink()
    elif problem == "broken_kpis":
        (c / "kpis.json").write_text('{"kpis": {"x": "fast"}}')
    else:
        tol_file.write_text('[kpi."shift*"]\nbetter = "faster"\n')
    assert main(["compare", str(b), str(c), "--tolerances", str(tol_file)]) == 2


def test_a_bad_tolerance_file_names_the_file_key_and_reason(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    p.write_text('[kpi."shift*"]\nrel_pct = -1\n')
    with pytest.raises(ConfigError) as err:
        load_tolerances(p)
    assert err.value.file == str(p)
    assert err.value.key == "kpi.shift*.rel_pct"
    assert "greater than or equal" in err.value.reason


def test_suite_folders_compare_stage_by_stage_and_a_missing_stage_fails(tmp_path: Path, tol_file: Path) -> None:
    make_run(tmp_path / "base" / "s1", BASE)
    make_run(tmp_path / "base" / "s2", BASE, "s2")
    make_run(tmp_path / "cand" / "s1", BASE)
    report = tmp_path / "report"
    code = main(["compare", str(tmp_path / "base"), str(tmp_path / "cand"), "--tolerances", str(tol_file),
                 "--report", str(report)])
    assert code == 1
    root = ET.parse(report / "junit.xml").getroot()
    assert [s.get("name") for s in root.iter("testsuite")] == ["s1", "s2"]
    assert root.get("failures") == "1"
    assert "missing" in (report / "report.html").read_text()


def test_junit_xml_has_the_schema_structure_and_counts(tmp_path: Path) -> None:
    path = write_junit(tmp_path / "j.xml", [
        Suite("stage_a", [Case("kpi_1", "regress.stage_a"), Case("kpi_2", "regress.stage_a", "REGRESSION: x")]),
        Suite("stage_b", [Case("kpi_3", "regress.stage_b", skipped=True, detail="n/a")]),
    ])
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("3", "1", "0", "1")
    suites = root.findall("testsuite")
    assert [s.get("tests") for s in suites] == ["2", "1"]
    for s in suites:
        assert {"name", "tests", "failures", "errors", "skipped", "time"} <= set(s.attrib)
        for tc in s.findall("testcase"):
            assert {"name", "classname", "time"} <= set(tc.attrib)
    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == 1 and failures[0].get("message") == "REGRESSION: x"
    assert len(root.findall("./testsuite/testcase/skipped")) == 1
