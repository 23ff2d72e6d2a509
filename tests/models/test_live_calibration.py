"""A live calibration write (MQTT `calibration/set`, the API) reaches every sub-model that uses it, typed."""

from __future__ import annotations

import pytest

from hil.errors import CalibrationError
from hil.models.tcu import Tcu
from hil.nodes.tcu_node import TcuNode
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.timeline import standing_start
from tests.support import prepared


def _top_speed(**engine_changes: float) -> float:
    prep = prepared(stage=standing_start(20.0))
    trace = Trace(only=frozenset({"ABS_WheelSpeeds"}))
    with Rig(prep) as rig:
        for key, value in engine_changes.items():
            assert rig.set_calibration(f"engine.{key}", value)["applied_to"] == ["PLANT"]
        rig.observe(trace)
        rig.advance(10_000_000_000)
    return max(v for _, v in trace.series("ABS_WheelSpeeds", "VehicleSpeed"))


def test_engine_power_written_live_reaches_the_engines_torque_tables() -> None:
    assert _top_speed(max_power_kw=120.0) < _top_speed() - 20.0


def test_tcu_thermal_limits_written_live_reach_the_oil_model() -> None:
    with Rig(prepared(stage=standing_start(5.0))) as rig:
        for key, value in (("derate_c", 95.0), ("limp_exit_c", 98.0), ("limp_c", 100.0)):
            change = rig.set_calibration(f"tcu.thermal.{key}", value)
            assert change["applied_to"] == ["TCU"] and change["new"] == value
        tcu = next(n for n in rig.nodes if isinstance(n, TcuNode)).model
        assert isinstance(tcu, Tcu)
        assert tcu.cal is rig.calibration.values.tcu
        assert tcu.thermal.cal.limp_c == 100.0
        assert rig.calibration.overrides == {"tcu.thermal.derate_c": 95.0, "tcu.thermal.limp_c": 100.0,
                                             "tcu.thermal.limp_exit_c": 98.0}


def test_a_write_that_breaks_a_check_changes_nothing() -> None:
    with Rig(prepared(stage=standing_start(5.0))) as rig:
        before = rig.calibration.values
        with pytest.raises(CalibrationError, match=r"hardware\.gear_ratios"):
            rig.set_calibration("hardware.gear_ratios", [3.0, 4.0])
        with pytest.raises(CalibrationError, match="no such calibration key"):
            rig.set_calibration("driver.no_such_key", 1.0)
        assert rig.calibration.values is before and not rig.calibration.overrides


def test_only_the_nodes_that_accept_a_section_take_it() -> None:
    with Rig(prepared(stage=standing_start(5.0))) as rig:
        assert rig.set_calibration("hardware.final_drive", 4.2)["applied_to"] == ["PLANT", "TCU", "DCU"]
        assert rig.set_calibration("hhb.lever_on_pct", 12.0)["applied_to"] == ["HHB"]
