"""The results folder: fresh, reused only with --force, never a file; unwritable folders fail first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hil.cli import main
from hil.config.rig import RigConfig
from hil.errors import ConfigError, ResultsError, UsageError
from hil.results.outdir import MARKER, inside, prepare_out_dir
from hil.runtime.rig import Rig
from tests.results import sandbox
from tests.support import prepared, unique_channel


def test_a_new_folder_is_created_and_marked(tmp_path: Path) -> None:
    out = prepare_out_dir(tmp_path / "a" / "b")
    assert (out / MARKER).is_file()


def test_a_reused_folder_is_refused_without_force(tmp_path: Path) -> None:
    out = prepare_out_dir(tmp_path / "run")
    (out / "can.log").write_text("old\n")
    with pytest.raises(UsageError, match=r"exists and is not empty .*--force"):
        prepare_out_dir(out)
    assert (out / "can.log").read_text() == "old\n"


def test_force_empties_a_previous_results_folder_but_not_what_its_symlinks_point_to(tmp_path: Path) -> None:
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "data.txt").write_text("keep me\n")
    out = prepare_out_dir(tmp_path / "run")
    (out / "trace").mkdir()
    (out / "trace" / "X.csv").write_text("t_ns\n")
    (out / "link").symlink_to(keep)
    prepare_out_dir(out, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER]
    assert (keep / "data.txt").read_text() == "keep me\n"


def test_force_never_empties_a_folder_hil_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(UsageError, match="not a results folder"):
        prepare_out_dir(tmp_path, force=True)
    assert (tmp_path / "notes.txt").exists()


def test_out_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ResultsError, match="is a file, not a folder") as err:
        prepare_out_dir(tmp_path / "f")
    assert err.value.exit_code == 3


def test_a_path_the_rig_names_must_resolve_inside_the_folder(tmp_path: Path) -> None:
    out = prepare_out_dir(tmp_path / "run")
    (out / "sub").symlink_to(tmp_path)
    assert inside(out, "logs/can.log", "rig.toml", "rig.log") == (out / "logs" / "can.log").resolve()
    with pytest.raises(ConfigError, match="outside the results folder") as err:
        inside(out, "sub/can.log", "rig.toml", "rig.log")
    assert (err.value.file, err.value.key) == ("rig.toml", "rig.log")


@pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))
@pytest.mark.parametrize(("read_only", "size_kb", "reason"), [(True, 64, "Read-only"), (False, 4, "No space left")])
def test_read_only_or_full_folder_is_refused_before_the_run(
    tmp_path: Path, read_only: bool, size_kb: int, reason: str,
) -> None:
    mnt = tmp_path / "mnt"
    fill = "" if read_only else f"head -c 8192 /dev/zero > {mnt}/filler 2>/dev/null\n"
    code = ("from pathlib import Path\nfrom hil.errors import ResultsError\n"
            "from hil.results.outdir import prepare_out_dir\n"
            f"try:\n    prepare_out_dir(Path('{mnt}/out'))\nexcept ResultsError as e:\n    print('refused:', e)\n")
    done = sandbox.run_on_small_fs(mnt, size_kb, f"{fill}$PY -c \"{code}\"", read_only=read_only)
    assert "refused:" in done.stdout and reason in done.stdout, done.stdout + done.stderr


def test_run_into_a_used_folder_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["run", "--duration", "0.2", "--channel", unique_channel(), "--out", str(out)]
    assert main(argv) == 0
    (out / "stale.txt").write_text("from before\n")
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert not (out / "stale.txt").exists() and (out / "can.log").is_file()


def test_run_into_a_file_is_exit_3_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("x")
    assert main(["run", "--duration", "0.2", "--out", str(tmp_path / "f")]) == 3
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "is a file, not a folder" in err


def test_a_rig_never_writes_its_log_through_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "logs").symlink_to(tmp_path)
    prep = prepared()
    spec = prep.rig.spec
    rig = RigConfig(prep.rig.path, spec.model_copy(update={"rig": spec.rig.model_copy(update={"log": "logs/can.log"})}))
    with pytest.raises(ConfigError, match="outside the results folder") as err, \
            Rig(replace(prep, rig=rig), out=out):
        pass
    assert err.value.key == "rig.log"
    assert not (tmp_path / "can.log").exists()
