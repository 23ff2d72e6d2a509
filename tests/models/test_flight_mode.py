"""Flight Mode: airborne is the wheels running away with the body not accelerating; the cap holds
until the wheels are back at the reference speed."""

from __future__ import annotations

from hil.models.engine import EngineCalibration
from hil.models.flight_mode import NO_LIMIT_NM, FlightMode

CAL = EngineCalibration(flight_mode=True)
MS = 1_000_000


def run(fm: FlightMode, t_ms: int, wheels_kph: float, ref_kph: float, body: float) -> float:
    return fm.step(t_ms * MS, CAL, (wheels_kph,) * 4, ref_kph, body)


def test_wheels_running_away_without_the_body_accelerating_is_a_flight() -> None:
    fm = FlightMode()
    run(fm, 0, 90.0, 90.0, 0.0)
    cap = NO_LIMIT_NM
    for k in range(1, 10):  # +2 km/h per 10 ms: 55 m/s² at the tyre
        cap = run(fm, 10 * k, 90.0 + 2.0 * k, 90.0, -0.3)
    assert fm.active and cap == CAL.flight_torque_nm


def test_flight_mode_comes_on_the_calibrated_confirm_time_after_the_wheels_run_away() -> None:
    fm = FlightMode()
    run(fm, 0, 90.0, 90.0, 0.0)
    run(fm, 10, 90.0, 90.0, 0.0)  # still on the ground
    t = 20  # from here the wheels gain 2 km/h per 10 ms (55 m/s²), past the reference after 10 ms
    first_rising = None
    while not fm.active:
        wheels = 90.0 + 0.2 * (t - 10)
        run(fm, t, wheels, 90.0, -0.3)
        if first_rising is None and wheels > 90.0 * (1 + CAL.flight_overspeed_fraction) + 2.0:
            first_rising = t
        t += 10
        assert t < 1000
    assert first_rising is not None
    assert abs((t - 10 - first_rising) - CAL.flight_confirm_ms) <= 10  # ±one 10 ms cycle


def test_a_wheelspin_start_is_not_a_flight() -> None:
    fm = FlightMode()
    run(fm, 0, 10.0, 5.0, 5.0)
    for k in range(1, 20):
        assert run(fm, 10 * k, 10.0 + 2.0 * k, 5.0 + 0.2 * k, 5.0) == NO_LIMIT_NM  # the body accelerates


def test_the_cap_holds_until_the_wheels_are_back_at_the_reference_for_the_exit_time() -> None:
    fm = FlightMode()
    run(fm, 0, 90.0, 90.0, 0.0)
    for k in range(1, 10):
        run(fm, 10 * k, 90.0 + 2.0 * k, 90.0, 0.0)
    assert fm.active
    t = 100
    landed_at = t
    while fm.active:
        run(fm, t, 90.5, 90.0, -3.0)  # landed: the wheels at the car's speed
        t += 10
    assert t - 10 - landed_at == CAL.flight_exit_ms


def test_without_flight_mode_in_the_calibration_nothing_is_capped() -> None:
    fm = FlightMode()
    off = EngineCalibration()
    assert not off.flight_mode
    for k in range(10):
        assert fm.step(k * 10 * MS, off, (90.0 + 3 * k,) * 4, 90.0, 0.0) == NO_LIMIT_NM
