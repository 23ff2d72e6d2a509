"""Markers for tests that run only when asked (`pytest -m NAME` or an environment variable)."""

from __future__ import annotations

import os

import pytest


def register(config: pytest.Config, marker: str, env: str, what: str) -> None:
    config.addinivalue_line("markers", f"{marker}: {what}; `pytest -m {marker}` or {env}=1 to run")


def skip_unless_asked(config: pytest.Config, items: list[pytest.Item], marker: str, env: str) -> None:
    """Skip the tests marked `marker` unless `-m` names it or `env`=1."""
    if os.environ.get(env) == "1" or marker in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason=f"{marker}: run with `pytest -m {marker}` or {env}=1")
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)
