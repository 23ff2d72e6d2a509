"""`slow` stage tests (the 32-minute stage, ~70 s wall) run only when asked: `-m slow` or HIL_SLOW=1."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long virtual-time runs; `pytest -m slow` or HIL_SLOW=1 to run")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("HIL_SLOW") == "1" or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow` or HIL_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
