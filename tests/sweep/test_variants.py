"""Sweep files and their variants: grids, seeded samples, validation before any job; the command end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hil.cli import main
from hil.config.calibration import load_calibration
from hil.errors import ConfigError
from hil.sweep.spec import load_sweep
from hil.sweep.sweeper import check_sweep
from hil.sweep.variants import BASE, Variant, expand
from tests.sweep.helpers import RALLY, VIRTUAL_RIG, sweep_file

SHIFT = "tcu.shift.power_on_up.inertia_bar"
PRESSURE = "hhb.max_pressure_bar"


def variants(tmp_path: Path, parameters: dict[str, object], **extra: object) -> list[Variant]:
    return expand(load_sweep(sweep_file(tmp_path, parameters, **extra), VIRTUAL_RIG))


def test_grid_is_every_combination_in_file_order_after_the_base(tmp_path: Path) -> None:
    vs = variants(tmp_path, {SHIFT: [5.0, 7.0, 8.0], PRESSURE: {"range": [80, 120], "steps": 3}})
    assert [v.name for v in vs] == [BASE] + [f"v{i:03d}" for i in range(1, 10)]
    assert vs[0].params == {SHIFT: 7.0, PRESSURE: 120.0}  # the base's own values
    assert [(v.params[SHIFT], v.params[PRESSURE]) for v in vs[1:4]] == [(5.0, 80.0), (5.0, 100.0), (5.0, 120.0)]
    assert vs[9].params == {SHIFT: 8.0, PRESSURE: 120.0}


def test_each_variant_is_a_calibration_file_with_its_values_and_hash(tmp_path: Path) -> None:
    v = variants(tmp_path, {SHIFT: [6.5]})[1]
    path = tmp_path / "v.toml"
    path.write_text(v.toml)
    cal = load_calibration(path)
    assert cal.values.tcu.shift.power_on_up.inertia_bar == 6.5
    assert cal.sha256 == v.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_base_runs_its_own_file_so_its_hash_is_the_file_hash(tmp_path: Path) -> None:
    base = variants(tmp_path, {SHIFT: [5.0]})[0]
    assert base.sha256 == load_calibration(RALLY).sha256
    assert base.toml == RALLY.read_text()


def test_random_samples_repeat_with_the_seed_and_stay_in_range(tmp_path: Path) -> None:
    axis = {"range": [80, 120], "samples": 5}
    first = [v.params[PRESSURE] for v in variants(tmp_path, {PRESSURE: axis})[1:]]
    again = [v.params[PRESSURE] for v in variants(tmp_path, {PRESSURE: axis})[1:]]
    other = [v.params[PRESSURE] for v in variants(tmp_path, {PRESSURE: axis}, seed=2)[1:]]
    assert first == again
    assert first != other
    assert all(80 <= x <= 120 for x in first + other)
    assert len(set(first)) == 5


def test_adding_a_parameter_keeps_the_draws_of_the_others(tmp_path: Path) -> None:
    axis = {"range": [80, 120], "samples": 3}
    alone = {v.params[PRESSURE] for v in variants(tmp_path, {PRESSURE: axis})[1:]}
    paired = {v.params[PRESSURE] for v in variants(tmp_path, {SHIFT: [6.0, 7.5], PRESSURE: axis})[1:]}
    assert alone == paired


def test_integer_keys_get_integer_samples(tmp_path: Path) -> None:
    vs = variants(tmp_path, {"tcu.lockup_min_gear": {"range": [2, 6], "samples": 4}})
    assert all(type(v.params["tcu.lockup_min_gear"]) is int for v in vs[1:])


def test_two_values_valid_only_together_are_checked_as_a_whole(tmp_path: Path) -> None:
    # the lever's release threshold must stay below its pull threshold: moved one at a time, this fails
    vs = variants(tmp_path, {"hhb.lever_on_pct": [40.0], "hhb.lever_off_pct": [30.0]})
    assert vs[1].params == {"hhb.lever_on_pct": 40.0, "hhb.lever_off_pct": 30.0}


@pytest.mark.parametrize(("parameters", "key", "reason"), [
    ({"tcu.no_such_key": [1]}, "parameters.tcu.no_such_key", "no such calibration key"),
    ({"tcu.shift": [1]}, "parameters.tcu.shift", "section"),
    ({"meta.name": ["x"]}, "parameters.meta.name", "dotted calibration key"),
    ({SHIFT: [5.0, "fast"]}, f"parameters.{SHIFT}", "valid number"),
    ({PRESSURE: {"range": [120, 80], "samples": 2}}, f"parameters.{PRESSURE}", "not below"),
    ({PRESSURE: {"range": [80, 120]}}, f"parameters.{PRESSURE}", "give one of"),
])
def test_a_bad_parameter_names_the_sweep_file_the_key_and_the_reason(
        tmp_path: Path, parameters: dict[str, object], key: str, reason: str) -> None:
    path = sweep_file(tmp_path, parameters)
    with pytest.raises(ConfigError) as err:
        expand(load_sweep(path, VIRTUAL_RIG))
    assert err.value.file == str(path)
    assert err.value.key.startswith(key)
    assert reason in err.value.reason


def test_a_value_out_of_limits_names_the_variant(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, {SHIFT: [7.0, -5]})
    with pytest.raises(ConfigError) as err:
        expand(load_sweep(path, VIRTUAL_RIG))
    assert err.value.key == f"parameters.{SHIFT}"
    assert "variant v002" in err.value.reason


def test_a_broken_stage_is_refused_before_any_job(tmp_path: Path) -> None:
    stage = tmp_path / "broken.yaml"
    stage.write_text("stage: broken\nsteps:\n  - at: soon\n")
    path = sweep_file(tmp_path, {SHIFT: [5.0]}, stages=())
    path.write_text(path.read_text().replace("stages: []", f"stages: [{stage}]"))
    with pytest.raises(ConfigError) as err:
        check_sweep(path, tmp_path / "out", VIRTUAL_RIG)
    assert str(stage) in str(err.value)


def test_hil_sweep_exits_2_on_a_bad_key_before_starting_a_cluster(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sweep_file(tmp_path, {"hhb.max_presure_bar": [90]})
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--no-dashboard"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: parameters.hhb.max_presure_bar: no such calibration key" in err
    assert not (tmp_path / "out").exists()


def test_hil_sweep_runs_on_a_local_cluster_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sweep_file(tmp_path, {SHIFT: [6.0]}, duration_s=2.0)
    assert main(["sweep", str(path), "--workers", "1", "--out", str(tmp_path / "out"), "--no-dashboard"]) == 0
    out = capsys.readouterr().out
    assert "1 worker(s); dashboard: off" in out and "2 run(s)" in out
    assert (tmp_path / "out" / "results.csv").read_text().count("\n") == 3
