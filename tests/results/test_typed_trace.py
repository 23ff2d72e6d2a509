"""Traces are typed from the DBC (integers, flags, enums by name, units); every optional output skips cleanly."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hil.bus.codec import Codec
from hil.cli import main
from hil.results import trace_schema as ts
from hil.results.signals import read_signal
from tests.support import ROOT, unique_channel

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typed") / "run"
    assert main(["run", "--duration", "6", "--out", str(out), "--channel", unique_channel()]) == 0
    return out


def test_parquet_columns_carry_integers_flags_enum_names_and_a_duration(run_dir: Path) -> None:
    schema = pq.read_schema(run_dir / "trace" / "TCU_Status.parquet")
    assert schema.field("t_ns").type == pa.duration("ns")
    assert schema.field("sent_here").type == pa.bool_()
    assert schema.field("GearActual").type == pa.dictionary(pa.int16(), pa.string())
    assert schema.field("ShiftInProgress").type == pa.bool_()
    assert schema.field("Counter").type == pa.uint8()
    assert schema.field("OutputSpeed").type == pa.float64()
    gears = pq.read_table(run_dir / "trace" / "TCU_Status.parquet").column("GearActual").to_pylist()
    assert {"1", "2"} <= set(gears), "gears by their DBC names"


def test_parquet_metadata_holds_units_and_value_tables(run_dir: Path) -> None:
    schema = pq.read_schema(run_dir / "trace" / "TCU_Status.parquet")
    assert schema.field("OutputSpeed").metadata[b"unit"] == b"rpm"
    described = json.loads(schema.metadata[ts.SCHEMA_KEY])
    assert described["ShiftRejectReason"]["values"]["1"] == "OVERREV"
    assert described["GearActual"]["values"]["9"] == "R"
    assert json.loads((run_dir / "trace" / "schema.json").read_text())["TCU_Status"] == described


def test_csv_holds_the_same_cells_as_parquet(run_dir: Path) -> None:
    table = pq.read_table(run_dir / "trace" / "TCU_Status.parquet")
    with (run_dir / "trace" / "TCU_Status.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == table.num_rows > 0
    assert [int(r["t_ns"]) for r in rows] == table.column("t_ns").cast(pa.int64()).to_pylist()
    for name in ("sent_here", "GearActual", "ShiftInProgress", "ShiftRejectReason", "Counter", "OutputSpeed"):
        assert [r[name] for r in rows] == [ts.csv_text(v) for v in table.column(name).to_pylist()], name
    assert rows[0]["sent_here"] == "true"


def test_read_signal_gives_the_same_numbers_from_csv_as_from_parquet(run_dir: Path, tmp_path: Path) -> None:
    from_parquet = read_signal(run_dir, "TCU_Status", "GearActual")
    csv_only = tmp_path / "run"
    (csv_only / "trace").mkdir(parents=True)
    for name in ("TCU_Status.csv", "schema.json"):
        (csv_only / "trace" / name).write_bytes((run_dir / "trace" / name).read_bytes())
    assert read_signal(csv_only, "TCU_Status", "GearActual") == from_parquet
    assert set(from_parquet[1]) >= {1.0, 2.0}, "enums read back as their raw numbers"


def test_column_kinds_follow_bits_scaling_and_value_tables() -> None:
    spec = Codec.load(DBC).specs["TCU_Status"]
    kinds = {c.name: c.kind for c in ts.columns(spec)}
    assert kinds["GearActual"] is ts.Kind.ENUM and kinds["ShiftInProgress"] is ts.Kind.BOOL
    assert kinds["Counter"] is ts.Kind.INT and kinds["OutputSpeed"] is ts.Kind.FLOAT
    gear = next(c for c in ts.columns(spec) if c.name == "GearActual")
    assert gear.cell(9.0) == "R" and gear.cell(12.0) == "12", "a value outside the table keeps its number"
    assert gear.number("R") == 9.0 and gear.number("12") == 12.0


def _run_without(modules: tuple[str, ...], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    code = ("import sys\n"
            f"for m in {modules!r}: sys.modules[m] = None  # as if the extra were not installed\n"
            "from hil.cli import main\n"
            f"sys.exit(main({args!r}))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)


def test_without_the_extras_a_run_skips_parquet_plots_and_mf4_with_one_line_each(tmp_path: Path) -> None:
    rig = tmp_path / "mf4.toml"
    rig.write_text(f'[rig]\nname = "mf4"\ndbc = "{DBC}"\ncalibration = "{ROOT / "calibrations" / "rally.toml"}"\n'
                   f'log = "can.mf4"\n[bus]\ninterface = "virtual"\nchannel = "{unique_channel()}"\n')
    done = _run_without(("pyarrow", "matplotlib", "asammdf"), ["run", str(rig), "--duration", "2", "--out", "r"],
                        tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "skipped" in line]
    assert lines == ["warning: CAN log can.mf4 skipped: needs the [mf4] extra (pip install 'd7xr-hil[mf4]')",
                     "warning: Parquet traces skipped: needs the [parquet] extra (pip install 'd7xr-hil[parquet]')",
                     "warning: PNG plots skipped: needs the [plots] extra (pip install 'd7xr-hil[plots]')"]
    out = tmp_path / "r"
    assert (out / "trace" / "TCU_Status.csv").is_file() and not list(out.glob("trace/*.parquet"))
    assert not (out / "can.mf4").exists()
    assert "needs the [plots] extra" in (out / "report.html").read_text()


@pytest.mark.parametrize("max_points", [7, 100, 10_000])
def test_a_decimated_read_is_every_nth_row_of_the_full_one_from_parquet_and_csv(
    run_dir: Path, tmp_path: Path, max_points: int,
) -> None:
    full = read_signal(run_dir, "ECM_Engine", "EngineSpeed")
    stride = max(1, len(full[0]) // max_points)
    want = (full[0][::stride], full[1][::stride])
    assert read_signal(run_dir, "ECM_Engine", "EngineSpeed", max_points=max_points) == want
    csv_only = tmp_path / "csv"
    (csv_only / "trace").mkdir(parents=True)
    for name in ("ECM_Engine.csv", "schema.json"):
        (csv_only / "trace" / name).write_bytes((run_dir / "trace" / name).read_bytes())
    assert read_signal(csv_only, "ECM_Engine", "EngineSpeed", max_points=max_points) == want
