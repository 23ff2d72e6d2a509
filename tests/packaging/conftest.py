"""`install` tests build a wheel (compiling the plant: ~2 min) and install it into fresh venvs: `pytest -m install`
or HIL_INSTALL=1."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests import optin
from tests.packaging.venvs import NOT_SOURCES, run, venv
from tests.support import ROOT


def pytest_configure(config: pytest.Config) -> None:
    optin.register(config, "install", "HIL_INSTALL", "builds the wheel and installs it in venvs (CI does)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    optin.skip_unless_asked(config, items, "install", "HIL_INSTALL")


@pytest.fixture(scope="package")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository: building writes build/ and *.egg-info next to the sources."""
    src = tmp_path_factory.mktemp("src") / "d7xr-hil"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    return src


@pytest.fixture(scope="package")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, source], dist)
    (found,) = dist.glob("d7xr_hil-*.whl")
    return found


@pytest.fixture(scope="package")
def wheel_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the wheel and the extras the tests use; --no-index: the dependencies must already resolve."""
    bin_dir = venv(tmp_path_factory.mktemp("wheel") / "venv")
    run([bin_dir / "python", "-m", "pip", "install", "-q", "--no-index", f"{wheel}[parquet,plots,mqtt]"], bin_dir)
    return bin_dir
