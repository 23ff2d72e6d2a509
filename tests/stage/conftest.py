"""`slow` stage tests (the 32-minute stage, ~70 s wall) run only when asked: `-m slow` or HIL_SLOW=1."""

from __future__ import annotations

import pytest

from tests import optin


def pytest_configure(config: pytest.Config) -> None:
    optin.register(config, "slow", "HIL_SLOW", "long virtual-time runs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    optin.skip_unless_asked(config, items, "slow", "HIL_SLOW")
