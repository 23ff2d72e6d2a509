"""`install` tests build a wheel and install it into fresh venvs (~1 min): `pytest -m install` or HIL_INSTALL=1."""

from __future__ import annotations

import pytest

from tests import optin


def pytest_configure(config: pytest.Config) -> None:
    optin.register(config, "install", "HIL_INSTALL", "builds the wheel and installs it in venvs (CI does)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    optin.skip_unless_asked(config, items, "install", "HIL_INSTALL")
