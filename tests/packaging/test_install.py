"""The package installs like any other tool: a wheel, an editable install and a plain clone find the same files.

Each venv sees the machine's site-packages (the dependencies are already installed there, so nothing
is downloaded) but gets its own d7xr-hil; every command runs outside the repository without PYTHONPATH.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.packaging.venvs import run as _run
from tests.packaging.venvs import venv as _venv
from tests.support import ROOT
from tests.testing.test_plugin import readme_example

pytestmark = pytest.mark.install


def test_wheel_carries_the_data_folders_license_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("hil/data/rigs/virtual.toml", "hil/data/rigs/mosquitto/mosquitto.conf",
                    "hil/data/dbc/d7xr_powertrain.dbc", "hil/data/calibrations/rally.toml",
                    "hil/data/stages/hairpins.yaml", "hil/data/stages/tolerances.toml", "hil/py.typed"):
        assert shipped in names
    assert any(n.endswith("/LICENSE") and ".dist-info/" in n for n in names)
    assert not any(n.startswith(("tests/", "rigs/", "dbc/")) for n in names)


def test_from_a_wheel_hil_run_works_anywhere_and_in_the_folder_hil_init_wrote(
    wheel_bin: Path, tmp_path: Path
) -> None:
    where = _run([wheel_bin / "python", "-c", "import hil; print(hil.__file__)"], tmp_path)
    assert where.startswith(str(wheel_bin.parent)), "the venv's own hil, not the repository's"
    _run([wheel_bin / "hil", "run", "--duration", "1", "--out", "shipped"], tmp_path)  # the shipped rig
    assert (tmp_path / "shipped" / "run.json").is_file()
    _run([wheel_bin / "hil", "init", "demo"], tmp_path)
    demo = tmp_path / "demo"
    (demo / "rigs" / "virtual.toml").write_text(
        (demo / "rigs" / "virtual.toml").read_text().replace('name = "virtual"', 'name = "mine"'))
    _run([wheel_bin / "hil", "check", "rigs/virtual.toml"], demo)
    _run([wheel_bin / "hil", "run", "--duration", "2"], demo)
    (run,) = (demo / "runs").iterdir()
    assert run.name.startswith("mine-"), "hil run in the folder uses the folder's own rig"
    assert (run / "run.json").is_file()


def test_editable_install_finds_the_shipped_files_in_the_source_tree(source: Path, tmp_path: Path) -> None:
    bin_dir = _venv(tmp_path / "venv")
    _run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-build-isolation",
          "-e", source], tmp_path)
    found = _run([bin_dir / "python", "-c", "from hil import data; print(data.path('rigs', 'virtual.toml'))"], tmp_path)
    assert Path(found.strip()) == source / "rigs" / "virtual.toml"


def test_with_the_mf4_extra_the_can_log_is_an_mf4_that_asammdf_decodes_with_the_dbc(
    wheel: Path, tmp_path: Path
) -> None:
    """[mf4] comes from the package index (pinned by .ci/constraints.txt where it pins), into this venv only."""
    bin_dir = _venv(tmp_path / "venv")
    _run([bin_dir / "python", "-m", "pip", "install", "-q", "-c", ROOT / ".ci" / "constraints.txt",
          f"{wheel}[mf4]"], tmp_path)
    _run([bin_dir / "hil", "init", "demo"], tmp_path)
    rig = tmp_path / "demo" / "rigs" / "virtual.toml"
    rig.write_text(rig.read_text().replace('log = "can.log"', 'log = "can.mf4"'))
    _run([bin_dir / "hil", "run", "--duration", "2", "--out", "r"], tmp_path / "demo")
    decode = ("from asammdf import MDF; import sys\n"
              "mdf = MDF('r/can.mf4').extract_bus_logging({'CAN': [('dbc/d7xr_powertrain.dbc', 0)]})\n"
              "speed = mdf.get('EngineSpeed'); print(len(speed.samples), float(speed.samples[0]))\n")
    count, first = _run([bin_dir / "python", "-c", decode], tmp_path / "demo").split()
    assert int(count) == 201, "one per 10 ms frame over 2 s"
    assert 500 < float(first) < 800, "idle"


def test_from_a_wheel_the_readme_test_file_passes_with_the_plugin_found_by_its_entry_point(
    wheel_bin: Path, tmp_path: Path
) -> None:
    _run([wheel_bin / "hil", "init", "my-rig"], tmp_path)
    (tmp_path / "my-rig" / "test_my_controller.py").write_text(readme_example())
    out = _run([wheel_bin / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "my-rig")
    assert "2 passed" in out
