"""A live calibration write (the MQTT `calibration/set` path) reaches every sub-model that uses it."""

from __future__ import annotations

from hil.app import session_for
from hil.config.calibration import CalibrationSet
from hil.mqtt.commands import apply_section
from hil.results.trace import Trace
from hil.runtime.session import Session
from hil.stage.timeline import standing_start
from tests.support import prepared


def _swap(session: Session, cal: CalibrationSet, section: str, **changes: object) -> list[str]:
    old = getattr(cal, section)
    return apply_section(session.nodes, old, old.override(**changes))


def _top_speed(**engine_changes: object) -> float:
    prep = prepared(stage=standing_start(20.0))
    trace = Trace(only=frozenset({"ABS_WheelSpeeds"}))
    with session_for(prep, None) as session:
        if engine_changes:
            assert _swap(session, prep.calibration.values, "engine", **engine_changes) == ["PLANT"]
        session.observers.append(trace)
        session.advance(10_000_000_000)
    return max(v for _, v in trace.series("ABS_WheelSpeeds", "VehicleSpeed"))


def test_engine_power_written_live_reaches_the_engines_torque_tables() -> None:
    assert _top_speed(max_power_kw=120.0) < _top_speed() - 20.0


def test_tcu_thermal_limits_written_live_reach_the_oil_model() -> None:
    prep = prepared(stage=standing_start(5.0))
    with session_for(prep, None) as session:
        old = prep.calibration.values.tcu
        new = old.override(thermal=old.thermal.override(derate_c=95.0, limp_c=100.0, limp_exit_c=98.0))
        assert apply_section(session.nodes, old, new) == ["TCU"]
        tcu = next(n for n in session.nodes if n.name == "TCU").model  # type: ignore[attr-defined]
        assert tcu.cal is new
        assert tcu.thermal.cal is new.thermal
