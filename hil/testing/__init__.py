"""pytest plugin (entry point `hil.testing`): fixtures to test controllers against d7xr-hil in virtual time.

    hil_rig      a running rig (virtual time, a private virtual channel); step it with hil_player
    hil_player   a BusPlayer on that rig: set/mute/corrupt frames by DBC name, `expect(...)` frames back
    hil_stage    run a stage file and get Results (KPIs, events, verdicts), folder under tmp_path
    hil_rig_config  the rig those use: ini option `hil_rig` (a rig file), else the shipped virtual rig;
                 `@pytest.mark.hil(emulate=[...], calibration=...)` adjusts it per test

plus `assert_passed`, `assert_kpi`, `assert_events` with failure messages that say what was measured.
Importing this module loads nothing heavy: the fixtures import the emulator when a test uses them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hil.testing.assertions import assert_events, assert_kpi, assert_passed

if TYPE_CHECKING:
    from hil.api import Results, RigConfig
    from hil.runtime.rig import Rig
    from hil.testing.player import BusPlayer

__all__ = ["BusPlayer", "assert_events", "assert_kpi", "assert_passed"]


def __getattr__(name: str) -> Any:
    if name == "BusPlayer":
        from hil.testing.player import BusPlayer  # noqa: PLC0415 - loads python-can and the emulator

        return BusPlayer
    raise AttributeError(f"module 'hil.testing' has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("hil_rig", "rig file for the hil fixtures, relative to the rootdir (default: the shipped rig)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hil(emulate=None, calibration=None, stage=None): the rig of the hil fixtures")


@pytest.fixture
def hil_rig_config(request: pytest.FixtureRequest) -> RigConfig:
    """The rig the other fixtures use, on a private virtual channel (tests never share a bus)."""
    from hil.api import load_rig  # noqa: PLC0415

    marker = request.node.get_closest_marker("hil")
    options = dict(marker.kwargs) if marker is not None else {}
    ini = request.config.getini("hil_rig")
    rig_file = Path(request.config.rootpath, ini) if ini else None
    emulate = options.get("emulate")
    return load_rig(rig_file, calibration=options.get("calibration"), stage=options.get("stage"),
                    emulate=tuple(emulate) if emulate is not None else None,
                    channel=f"hil-test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def hil_rig(hil_rig_config: RigConfig) -> Iterator[Rig]:
    """A rig in virtual time, opened for the test and torn down after it; nothing runs until it is stepped."""
    from hil.runtime.prepare import prepare  # noqa: PLC0415
    from hil.runtime.rig import Rig  # noqa: PLC0415

    with Rig(prepare(hil_rig_config), mqtt=False) as rig:
        yield rig


@pytest.fixture
def hil_player(hil_rig: Rig) -> Iterator[BusPlayer]:
    """A BusPlayer on `hil_rig`'s channel: it plays the nodes the rig does not emulate."""
    from hil.testing.player import BusPlayer  # noqa: PLC0415

    with BusPlayer(hil_rig) as player:
        yield player


@pytest.fixture
def hil_stage(hil_rig_config: RigConfig, tmp_path: Path) -> Callable[..., Results]:
    """`hil_stage(stage=None, calibration=None, duration_s=None) -> Results`; each run's folder stays under tmp_path."""
    from hil.api import run_stage  # noqa: PLC0415

    runs = iter(range(1_000_000))

    def run(stage: str | Path | None = None, *, calibration: str | Path | None = None,
            duration_s: float | None = None) -> Results:
        return run_stage(stage, rig=hil_rig_config, calibration=calibration, duration_s=duration_s,
                         out=tmp_path / f"hil-run-{next(runs)}")

    return run
