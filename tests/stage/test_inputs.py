"""Data inputs: a CSV time series becomes a timeline; a CAN log replays onto the bus as recorded."""

from __future__ import annotations

import ast
from pathlib import Path

import can
import pytest

from hil.errors import StageError
from hil.stage.loader import load_stage
from hil.stage.replay import read_can_log
from hil.stage.timeline import standing_start
from tests.support import ROOT, run_virtual

S = 1_000_000_000
MS = 1_000_000


def test_csv_interpolates_pedals_and_steps_switches(tmp_path: Path) -> None:
    (tmp_path / "lap.csv").write_text(
        "time_s,accel_pct,selector,surface_RL,grade_pct\n"
        "0,0,3,,0\n"
        "1,100,4,soft_sand,\n"
        "3,50,,,10\n")
    tl = load_stage(tmp_path / "lap.csv")
    assert tl.name == "lap" and tl.duration_ns == 4 * S
    assert tl.value("accel_pct", 500 * MS) == pytest.approx(50.0)
    assert tl.value("accel_pct", 2 * S) == pytest.approx(75.0)
    assert tl.value("selector", 999 * MS) == 3.0 and tl.value("selector", S) == 4.0
    assert tl.value("grade_pct", 2 * S) == pytest.approx(20 / 3)  # empty cells keep interpolating
    assert tl.surface(S) == ("tarmac", "tarmac", "soft_sand", "tarmac")


def test_stage_file_can_take_a_csv_with_step_interpolation_and_add_steps(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("time_ms,accel_pct\n0,0\n1000,100\n")
    (tmp_path / "s.yaml").write_text(
        "input: {csv: in.csv, interpolate: step, start: 2 s}\nsteps:\n  - at: 0 s\n    selector: M\n")
    tl = load_stage(tmp_path / "s.yaml")
    assert tl.value("accel_pct", 2 * S + 500 * MS) == 0.0
    assert tl.value("accel_pct", 3 * S) == 100.0 and tl.value("selector", 0) == 4.0


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("", "line 1", "empty CSV"),
    ("t,accel_pct\n0,1\n", "line 1", "the first column must be time_s or time_ms"),
    ("time_s,speed\n0,1\n", "line 1: speed", "unknown column"),
    ("time_s,accel_pct\n0,abc\n", "line 2: accel_pct", "not a number"),
    ("time_s,accel_pct\n1,1\n0,2\n", "line 3: time_s", "time goes back"),
    ("time_s,accel_pct\n0,1,2\n", "line 2", "3 cells, the header has 2"),
    ("time_s,surface\n0,ice\n", "line 2: surface", "unknown surface"),
    ("time_s,accel_pct\n", "line 2", "no data rows"),
    # the same limits as the YAML grammar
    ("time_s,accel_pct\n0,500\n", "line 2: accel_pct", "500 % is outside 0..100 %"),
    ("time_s,brake_bar\n0,-1\n", "line 2: brake_bar", "outside 0..200 bar"),
    ("time_s,handbrake_pct\n0,nan\n", "line 2: handbrake_pct", "not a finite number"),
    ("time_s,grade_pct\n0,inf\n", "line 2: grade_pct", "not a finite number"),
    ("time_s,target_speed_kph\n0,300\n", "line 2: target_speed_kph", "outside 0..250 km/h"),
    ("time_s,selector\n0,7\n", "line 2: selector", "expected one of P, R, N, D, M (or 0, 1, 2, 3, 4)"),
    ("time_s,selector\n0,2.5\n", "line 2: selector", "expected one of P"),
    ("time_s,paddle_up\n0,2\n", "line 2: paddle_up", "expected one of on, off"),
    ("time_s,accel_pct\n-1,0\n", "line 2: time_s", "outside 0..48 h"),
    ("time_ms,accel_pct\n1e12,0\n", "line 2: time_ms", "outside 0..48 h"),
])
def test_bad_csv_is_refused_with_line_and_reason(tmp_path: Path, text: str, line: str, reason: str) -> None:
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(StageError) as exc:
        load_stage(tmp_path / "bad.csv")
    assert exc.value.key == line and reason in exc.value.reason


def test_csv_cells_take_the_names_the_yaml_grammar_uses(tmp_path: Path) -> None:
    (tmp_path / "lap.csv").write_text("time_s,selector,centre_lock,low_range,target_speed_kph\n"
                                      "0,D,lock,off,50\n1,m,auto,0,off\n2,4,1,,-1\n")
    tl = load_stage(tmp_path / "lap.csv")
    assert [tl.value("selector", t * S) for t in range(3)] == [3.0, 4.0, 4.0]
    assert [tl.value("centre_lock", t * S) for t in range(3)] == [1.0, 0.0, 1.0]
    assert [tl.value("target_speed_kph", t * S) for t in range(3)] == [50.0, -1.0, -1.0]


def test_stage_inputs_do_not_import_the_script_compiler() -> None:
    tree = ast.parse((ROOT / "hil" / "stage" / "inputs.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "hil.stage.script" not in imported, "inputs <-> script was an import cycle"


@pytest.mark.parametrize("suffix", [".asc", ".blf", ".log"])
def test_can_log_frames_keep_their_timing_relative_to_the_first(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rec{suffix}"
    with can.Logger(str(path)) as log:
        for i, t in enumerate((100.0, 100.25, 101.5)):
            log(can.Message(timestamp=t, arbitration_id=0x60 + i, data=bytes([i, 1, 2, 3, 4, 5, 6, 7])))
    replay = read_can_log(path, start_ns=2 * S)
    assert [f.t_ns for f in replay.frames] == [2 * S, 2 * S + 250 * MS, 3 * S + 500 * MS]
    assert [f.data[0] for f in replay.frames] == [0, 1, 2]


def test_unreadable_or_missing_can_log_is_a_stage_error(tmp_path: Path) -> None:
    (tmp_path / "junk.blf").write_bytes(b"not a blf at all")
    for name in ("junk.blf", "missing.asc"):
        (tmp_path / "s.yaml").write_text(f"input: {{can_log: {name}}}\n")
        with pytest.raises(StageError) as exc:
            load_stage(tmp_path / "s.yaml")
        assert exc.value.key == "line 1: input.can_log"


def test_recorded_log_replays_for_the_car_nodes_while_controllers_are_emulated(tmp_path: Path) -> None:
    _, original = run_virtual(standing_start(6.0), out_dir=tmp_path)
    (tmp_path / "replay.yaml").write_text("stage: replayed\ninput: {can_log: can.log}\nduration: 6 s\n")
    tl = load_stage(tmp_path / "replay.yaml")
    assert tl.replay is not None
    rig, trace = run_virtual(tl, emulate=["TCU", "HHB", "DCU"])

    def frames(tr: object, name: str) -> list[tuple[int, tuple[float, ...]]]:
        return [(f.t_ns, tuple(f.signals.values())) for f in tr.of(name)]  # type: ignore[attr-defined]

    t0 = original.frames[0].t_ns
    assert frames(trace, "DRV_Controls") == [(t - t0, v) for t, v in frames(original, "DRV_Controls")]
    assert frames(trace, "ECM_Engine") == [(t - t0, v) for t, v in frames(original, "ECM_Engine")]
    # TCU frames in the log are skipped (the TCU is live): one TCU_Status per 10 ms, not two
    assert len(trace.of("TCU_Status")) == pytest.approx(600, abs=2)
    assert rig.health.bad_frames == 0
    # the live TCU sees the recorded engine speed and shifts as the recorded one did
    assert max(v for _, v in trace.series("TCU_Status", "GearActual")) >= 3


def test_session_sends_raw_frames_byte_for_byte_at_their_times() -> None:
    from hil.results.trace import Trace
    from hil.runtime.rig import Rig
    from tests.support import prepared

    prep = prepared(emulate=[], stage=standing_start(1.0))
    codec = prep.codec
    _, payload = codec.encode("DRV_Controls", {"AccelPedal": 42.0})
    trace = Trace()
    with Rig(prep) as rig:
        rig.observe(trace)
        rig.session.add_raw_frames([(250 * MS, 0x60, payload, False), (100 * MS, 0x7FF, b"\x01", False)])
        rig.advance(S)
    assert [(f.t_ns, f.name, f.signals["AccelPedal"]) for f in trace.frames] == [(250 * MS, "DRV_Controls", 42.0)]
    assert rig.health.frames_tx == 2 and rig.health.unknown_id == 1
