"""Flight Mode with the whole rally car over the jumps stage: FlightMode on the bus over every
jump, the engine's torque capped in the air, and never on the ground."""

from __future__ import annotations

import itertools

from hil.config.calibration import load_calibration
from hil.stage.loader import load_stage
from tests.support import RALLY, ROAD, ROOT, run_virtual

STAGE = ROOT / "stages" / "jumps.yaml"
MS = 1_000_000


def flights(calibration: object = RALLY) -> tuple[list[tuple[int, int]], list[tuple[int, float]]]:
    """(start, end) of each FlightMode=1 stretch, and the engine torque series."""
    _, trace = run_virtual(load_stage(STAGE), calibration=calibration)  # type: ignore[arg-type]
    mode = trace.series("ECM_Engine", "FlightMode")
    spans, start = [], None
    for (t, v), (_, nxt) in itertools.pairwise(mode):
        if v == 0 and nxt == 1:
            start = t
        elif v == 1 and nxt == 0 and start is not None:
            spans.append((start, t))
    return spans, trace.series("ECM_Engine", "EngineTorque")


def test_every_jump_raises_flight_mode_and_caps_the_torque_in_the_air() -> None:
    spans, torque = flights()
    assert len(spans) == 4
    airborne = [s for s in load_stage(STAGE).tracks["airborne_pct"].times]
    cap = load_calibration(RALLY).values.engine.flight_torque_nm
    for start, end in spans:
        assert any(0 <= start - t <= 150 * MS for t in airborne[::4])  # within 150 ms of a take-off
        settled = [q for t, q in torque if start + 100 * MS <= t <= end]
        assert settled and max(settled) <= cap + 1.0


def test_the_road_car_has_no_flight_mode() -> None:
    spans, _ = flights(ROAD)
    assert spans == []
