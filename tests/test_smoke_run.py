"""The default rig runs end to end through the bus and the car really moves and shifts."""

from __future__ import annotations

from hil.stage.timeline import standing_start
from tests.support import run_virtual


def test_default_stage_accelerates_and_upshifts_through_the_bus() -> None:
    _, trace = run_virtual(standing_start(20.0), 12.0)
    speeds = [v for _, v in trace.series("ABS_WheelSpeeds", "VehicleSpeed")]
    gears = [v for _, v in trace.series("TCU_Status", "GearActual")]
    assert max(speeds) > 80.0
    assert max(gears) >= 3
    assert trace.of("TCU_ShiftEvent"), "shift events are sent on the bus"
