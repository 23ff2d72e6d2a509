"""The ECM's torque logic alone: the rev-match never drags the engine under idle."""

from __future__ import annotations

from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Intervention

CAL = EngineCalibration()


def test_a_blip_target_under_idle_still_holds_idle() -> None:
    engine = Engine(CAL)
    engine.command(0.0, 1e9, Intervention.DOWNSHIFT_BLIP, blip_target_rpm=300.0, launch=False)
    torque = [engine.torque(0.002, (CAL.idle_rpm - 100.0) / RPM) for _ in range(50)]
    assert torque[-1] > 0.0  # pushes the crank back up to idle instead of down to a 300 rpm target
    assert engine.intervention_active
