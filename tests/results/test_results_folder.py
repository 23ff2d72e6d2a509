"""A run's results folder: trace tables, events, KPIs, plots and report, identical for a repeat run."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hil.results.folder import load_run
from hil.results.plots import plot_run
from hil.results.report import write_run_report
from hil.runtime.suite import run_to_folder
from hil.stage.timeline import standing_start
from tests.support import prepared

DURATION_NS = 6_000_000_000


def run_folder(out: Path) -> Path:
    run_to_folder(prepared(stage=standing_start(8.0)), out, DURATION_NS)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_folder(tmp_path_factory.mktemp("run") / "a")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_folder_holds_log_trace_events_kpis_and_run_info(folder: Path) -> None:
    for name in ("can.log", "events.json", "kpis.json", "run.json", "trace/ECM_Engine.csv",
                 "trace/ECM_Engine.parquet", "trace/TCU_ShiftEvent.parquet"):
        assert (folder / name).is_file(), name
    run = load_run(folder)
    assert run.info["calibration"]["sha256"]
    assert run.kpis["shift.count"] == sum(e.kind == "shift" for e in run.events) > 0


def test_csv_and_parquet_traces_hold_the_same_frames(folder: Path) -> None:
    table = pq.read_table(folder / "trace" / "ABS_WheelSpeeds.parquet")
    with (folder / "trace" / "ABS_WheelSpeeds.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert table.num_rows == len(rows) == DURATION_NS // 10_000_000 + 1
    assert [int(r["t_ns"]) for r in rows] == table.column("t_ns").cast("int64").to_pylist()
    assert [float(r["VehicleSpeed"]) for r in rows] == table.column("VehicleSpeed").to_pylist()


def test_same_stage_and_calibration_give_byte_identical_kpis_and_events(folder: Path, tmp_path: Path) -> None:
    again = run_folder(tmp_path / "b")
    assert (again / "kpis.json").read_bytes() == (folder / "kpis.json").read_bytes()
    assert (again / "events.json").read_bytes() == (folder / "events.json").read_bytes()


def test_plot_is_a_real_png_of_the_size_asked(folder: Path, tmp_path: Path) -> None:
    png = plot_run(folder, tmp_path / "p.png", baseline_dir=folder, width_px=900, height_px=1200)
    assert png is not None and png_size(png) == (900, 1200)


def test_run_report_links_its_plot_and_lists_the_kpis(folder: Path) -> None:
    page = write_run_report(folder, width_px=800, height_px=1000).read_text()
    assert 'src="plots/run.png"' in page
    assert "shift.count" in page and "engine_speed_rpm.max" in page
    assert png_size(folder / "plots" / "run.png") == (800, 1000)


def test_stage_expectations_are_judged_into_verdicts_and_junit(tmp_path: Path) -> None:
    import json
    import xml.etree.ElementTree as ET

    from hil.stage.loader import load_stage
    from tests.support import ROOT

    prep = prepared()
    stage = load_stage(ROOT / "stages" / "standing_start.yaml", prep.codec)
    out = tmp_path / "v"
    run_to_folder(prepared(stage=stage), out, stage.duration_ns)
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert [v["name"] for v in verdicts] == [e.name for e in stage.expectations]
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("tests") == str(len(verdicts))
    assert root.get("failures") == str(sum(not v["passed"] for v in verdicts))
