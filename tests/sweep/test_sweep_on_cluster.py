"""Sweeps on a real Dask LocalCluster (2 worker processes on 127.0.0.1): results, resume, errors, dead workers.

Stages are capped at a few simulated seconds so each run takes a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
from distributed import Client
from rich.console import Console

from hil.sweep.cluster import check_workers, connect
from hil.sweep.plan import RECORD_FILE
from hil.sweep.sweeper import SweepResult, check_sweep, run_checked
from tests.sweep.helpers import VIRTUAL_RIG, sweep_file

SHIFT = "tcu.shift.power_on_up.inertia_bar"  # bar: a lower pressure, a slower shift
CUT = "tcu.upshift_cut_pct"
GRID = {SHIFT: [5.0, 9.0], CUT: [10, 30]}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with connect(None, 2, dashboard=False) as c:
        yield c


def run(client: Client, path: Path, out: Path) -> SweepResult:
    return run_checked(check_sweep(path, out, VIRTUAL_RIG), client, Console(file=io.StringIO(), width=120))


def test_the_local_cluster_listens_on_loopback_only(client: Client) -> None:
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    listening = {c.laddr.ip for p in processes for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    assert listening == {"127.0.0.1"}


def test_every_worker_is_checked_for_this_hil_version(client: Client) -> None:
    assert check_workers(client) == 2


def test_every_variant_and_the_base_run_on_every_stage_into_one_table(client: Client, tmp_path: Path) -> None:
    path = sweep_file(tmp_path, GRID, stages=("standing_start", "fast_limiter"), heatmaps=["distance_m"])
    result = run(client, path, tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "results.parquet").to_pylist()
    assert [(r["variant"], r["stage"]) for r in table] == [
        (v, s) for v in ("base", "v001", "v002", "v003", "v004") for s in ("fast_limiter", "standing_start")]
    assert all(r["status"] == "ok" and r["distance_m"] > 0 for r in table)
    assert {r[SHIFT] for r in table} == {5.0, 7.0, 9.0} and {r[CUT] for r in table} == {10, 20, 30}
    record = json.loads((tmp_path / "out" / "runs" / "v003" / "standing_start" / RECORD_FILE).read_text())
    calibration = tmp_path / "out" / "runs" / "v003" / "standing_start" / "inputs" / "calibration.toml"
    assert record["calibration_sha256"] == table[6]["calibration_sha256"]
    assert (tmp_path / "out" / table[6]["log"]).stat().st_size > 0
    assert "inertia_bar = 9.0" in calibration.read_text()  # v003 = (9.0, 10)
    assert result.collected.ran == 10 and result.errors == 0
    summary = (tmp_path / "out" / "summary.html").read_text()
    assert "heatmaps/regressions.png" in summary and "heatmaps/standing_start__distance_m.png" in summary
    assert (tmp_path / "out" / "results.csv").read_text().count("\n") == 11


def test_slower_shifts_are_judged_regressions_against_the_base(client: Client, tmp_path: Path) -> None:
    result = run(client, sweep_file(tmp_path, {SHIFT: [2.0]}, duration_s=8.0), tmp_path / "out")
    row = next(r for r in result.rows if r.record.variant == "v001")
    assert row.verdict == "REGRESSION"
    assert any(k.startswith("shift_time_ms") for k in row.regressions)


def test_a_rerun_skips_the_runs_recorded_with_the_same_hash(client: Client, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(client, sweep_file(tmp_path, {SHIFT: [5.0, 8.0]}), out)
    csv = (out / "results.csv").read_bytes()
    again = run(client, sweep_file(tmp_path, {SHIFT: [5.0, 8.0]}), out)
    assert (first.collected.ran, again.collected.ran, again.collected.resumed) == (3, 0, 3)
    assert (out / "results.csv").read_bytes() == csv
    grown = run(client, sweep_file(tmp_path, {SHIFT: [5.0, 8.0, 8.8]}), out)
    assert (grown.collected.ran, grown.collected.resumed) == (1, 3)  # only v003 is new
    changed = run(client, sweep_file(tmp_path, {SHIFT: [5.0, 8.5, 8.8]}), out)
    assert changed.collected.ran == 1  # v002 now has another calibration hash


def test_a_run_that_raises_is_an_error_row_and_the_sweep_goes_on(client: Client, tmp_path: Path) -> None:
    checked = check_sweep(sweep_file(tmp_path, {SHIFT: [5.0, 8.0]}), tmp_path / "out", VIRTUAL_RIG)
    broken = checked.runs[1]  # v001: a worker whose copy of the DBC is damaged
    bad_inputs = dataclasses.replace(broken.spec.inputs, dbc=b"BO_ not a dbc")
    runs = [*checked.runs[:1], dataclasses.replace(broken, spec=dataclasses.replace(broken.spec, inputs=bad_inputs)),
            *checked.runs[2:]]
    result = run_checked(dataclasses.replace(checked, runs=runs), client, Console(file=io.StringIO()))
    verdicts = {r.record.variant: (r.verdict, r.record.error) for r in result.rows}
    assert verdicts["v001"][0] == "error" and "DbcError" in str(verdicts["v001"][1])
    assert verdicts["base"] == ("base", None) and verdicts["v002"][0] != "error"
    assert result.errors == 1
    again = run_checked(checked, client, Console(file=io.StringIO()))  # the error is not resumed: run again
    assert (again.collected.ran, again.errors) == (1, 0)


def test_without_traces_the_runs_skip_trace_files_and_keep_every_kpi(client: Client, tmp_path: Path) -> None:
    run(client, sweep_file(tmp_path, {SHIFT: [5.0]}, name="with.yaml"), tmp_path / "with")
    run(client, sweep_file(tmp_path, {SHIFT: [5.0]}, name="without.yaml", trace=False), tmp_path / "without")
    assert (tmp_path / "with" / "results.csv").read_bytes() == (tmp_path / "without" / "results.csv").read_bytes()
    assert (tmp_path / "with" / "runs" / "v001" / "standing_start" / "trace").is_dir()
    assert not (tmp_path / "without" / "runs" / "v001" / "standing_start" / "trace").exists()


def test_results_are_byte_identical_on_one_and_on_two_workers(client: Client, tmp_path: Path) -> None:
    path = sweep_file(tmp_path, GRID)
    run(client, path, tmp_path / "two")
    with connect(None, 1, dashboard=False) as one:
        run(one, path, tmp_path / "one")
    for name in ("results.csv", "results.parquet"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_a_worker_killed_mid_sweep_is_retried_elsewhere_and_counted_once(client: Client, tmp_path: Path) -> None:
    path = sweep_file(tmp_path, {SHIFT: [5.0, 7.5, 8.2]}, duration_s=4.0)
    pids = set(client.run(os.getpid).values())
    out = tmp_path / "killed"
    killed: list[int] = []

    def kill_one_worker_once_runs_started() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any((out / "runs").glob("*/*/inputs")):
            time.sleep(0.01)
        pid = min(pids)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_one_worker_once_runs_started)
    killer.start()
    result = run(client, path, out)
    killer.join()
    assert killed and killed[0] not in set(client.run(os.getpid).values())
    assert result.errors == 0 and result.collected.ran == 4
    assert sorted(r.record.variant for r in result.rows) == ["base", "v001", "v002", "v003"]
    run(client, path, tmp_path / "undisturbed")
    assert (out / "results.csv").read_bytes() == (tmp_path / "undisturbed" / "results.csv").read_bytes()
