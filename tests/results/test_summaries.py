"""--json on run/check/compare prints one document a script can act on; --markdown writes a CI step page."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from hil.cli import main
from tests.support import ROOT, VIRTUAL_RIG, unique_channel

STAGE = ROOT / "stages" / "standing_start.yaml"


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], str]:
    tmp = tmp_path_factory.mktemp("summaries")
    out, page = tmp / "run", tmp / "step.md"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["run", "--stage", str(STAGE), "--out", str(out), "--channel", unique_channel(),
                     "--json", "--markdown", str(page)])
    assert code == 0
    return out, json.loads(stdout.getvalue()), page.read_text()


def test_run_json_is_the_only_stdout_and_holds_verdicts_kpis_and_the_exit_code(
    judged: tuple[Path, dict[str, object], str]
) -> None:
    out, doc, _ = judged
    assert doc["exit_code"] == 0 and doc["judged"] is True and doc["passed"] is True
    assert doc["results"] == str(out) and doc["stage"] == "standing_start"
    assert len(doc["verdicts"]) == 7 and doc["kpis"]["shift.count"] > 0  # type: ignore[arg-type,index]


def test_run_markdown_is_a_step_page_with_the_verdict_table(judged: tuple[Path, dict[str, object], str]) -> None:
    page = judged[2]
    assert page.startswith("### hil run standing_start: PASS")
    assert "| reaches 100 km/h | pass |" in page


def test_compare_json_and_markdown(judged: tuple[Path, dict[str, object], str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = judged[0]
    page = tmp_path / "step.md"
    assert main(["compare", str(out), str(out), "--json", "--markdown", str(page)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["regression"] is False and doc["stages"][0]["stage"] == "standing_start"
    assert {k["status"] for k in doc["stages"][0]["kpis"]} == {"ok"}
    assert page.read_text().startswith("### hil compare: no regression in 1 stage(s)")


def test_check_json_lists_problems_and_keeps_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(VIRTUAL_RIG), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    bad = tmp_path / "rig.toml"
    bad.write_text(VIRTUAL_RIG.read_text().replace('time = "virtual"', 'time = "fast"'))
    assert main(["check", str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["ok"] is False and "rig.time" in doc["problems"][0]
    assert captured.err.startswith("error: ")
