"""`install` tests build a wheel and install it into fresh venvs (~1 min): `pytest -m install` or HIL_INSTALL=1."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "install: builds the wheel and installs it in venvs; `pytest -m install`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("HIL_INSTALL") == "1" or "install" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="install: run with `pytest -m install` or HIL_INSTALL=1 (CI does)")
    for item in items:
        if "install" in item.keywords:
            item.add_marker(skip)
