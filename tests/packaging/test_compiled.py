"""The wheel carries the plant compiled by mypyc (where mypyc and a C compiler are there) and it
computes exactly what the pure Python plant computes: the same `hil run` gives the same CAN log."""

from __future__ import annotations

import filecmp
import importlib.util
import shutil
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.packaging.venvs import run, venv
from tests.support import ROOT

pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(importlib.util.find_spec("mypyc") is None, reason="mypyc (mypy) is not installed"),
    pytest.mark.skipif(shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None
                       or not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file(),
                       reason="no C compiler or no Python headers: the wheel is the pure one"),
]

PLANT = sorted(p.stem for p in (ROOT / "hil" / "models" / "plant").glob("*.py"))


def test_the_wheel_holds_every_plant_module_compiled_next_to_its_source(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not wheel.name.endswith("-none-any.whl"), "a wheel with an extension carries the platform's tag"
    for module in PLANT:
        assert f"hil/models/plant/{module}.py" in names
        assert any(n.startswith(f"hil/models/plant/{module}.cpython-") and n.endswith(".so") for n in names), module
    assert any(n.startswith("hil_plant__mypyc.") for n in names), "mypyc's shared runtime module"


def test_the_compiled_plant_writes_the_same_can_log_as_the_pure_one(wheel_bin: Path, tmp_path: Path) -> None:
    loaded = run([wheel_bin / "python", "-c", "import hil.models.plant.model as m; print(m.__file__)"], tmp_path)
    assert loaded.strip().endswith(".so"), "the venv imports the compiled plant"
    stage = ["--stage", str(ROOT / "stages" / "hairpins.yaml"), "--channel", "same"]
    run([wheel_bin / "hil", "run", *stage, "--out", "compiled"], tmp_path)
    run([sys.executable, "-m", "hil.cli", "run", *stage, "--out", "pure"], tmp_path, PYTHONPATH=str(ROOT))
    assert filecmp.cmp(tmp_path / "compiled" / "can.log", tmp_path / "pure" / "can.log", shallow=False)
    assert filecmp.cmp(tmp_path / "compiled" / "kpis.json", tmp_path / "pure" / "kpis.json", shallow=False)


def test_hil_mypyc_0_builds_the_pure_wheel_even_after_a_compiled_build(wheel: Path, source: Path,
                                                                       tmp_path: Path) -> None:
    """Same source folder as the compiled wheel: build/ still holds its extensions, none may ship."""
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", tmp_path, source],
        tmp_path, HIL_MYPYC="0")
    (pure,) = tmp_path.glob("d7xr_hil-*.whl")
    assert pure.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(pure).namelist()
    assert "hil/models/plant/model.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]


def test_an_editable_install_runs_the_pure_plant_from_the_sources(source: Path, tmp_path: Path) -> None:
    bin_dir = venv(tmp_path / "venv")
    run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-build-isolation",
         "-e", source], tmp_path)
    loaded = run([bin_dir / "python", "-c", "import hil.models.plant.model as m; print(m.__file__)"], tmp_path)
    assert Path(loaded.strip()) == source / "hil" / "models" / "plant" / "model.py"
    assert not list((source / "hil").rglob("*.so")), "no extension next to the sources"
