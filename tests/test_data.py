"""The shipped files (hil.data) and `hil init`: a clone finds them at the repository root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hil import data
from hil.cli import main
from tests.support import ROOT


def test_a_clone_finds_the_shipped_files_at_the_repository_root(tmp_path: Path) -> None:
    code = "from hil import data; print(data.path('rigs', 'virtual.toml'), data.path('dbc', 'd7xr_powertrain.dbc'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(ROOT / "rigs" / "virtual.toml"), str(ROOT / "dbc" / "d7xr_powertrain.dbc")]


def test_unknown_shipped_folder_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no shipped folder 'rig'"):
        data.path("rig", "virtual.toml")


def test_hil_init_writes_the_shipped_folders_as_in_the_repository(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "demo")]) == 0
    demo = tmp_path / "demo"
    for folder in data.FOLDERS:
        shipped = sorted(p.relative_to(ROOT) for p in (ROOT / folder).rglob("*") if p.is_file())
        written = sorted(p.relative_to(demo) for p in (demo / folder).rglob("*") if p.is_file())
        assert written == shipped
        assert all((demo / p).read_bytes() == (ROOT / p).read_bytes() for p in written)
    assert "hil run" in (demo / "README.md").read_text()
    assert main(["check", str(demo / "rigs" / "virtual.toml")]) == 0


def test_hil_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.toml").write_text("keep me")
    assert main(["init", str(tmp_path)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "mine.toml").read_text() == "keep me"
