"""Clutch-to-clutch physics: torque from pressure, sign from slip, stick-slip, inertia phase length."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.models.plant.gearbox import Gearbox

H = 0.002
J = 0.31  # engine + input inertia with the lock-up closed, kg·m²
FIRST, SECOND = 5.0, 3.2
OUTPUT = 120.0  # rad/s, held constant: the car's inertia dwarfs the input shaft's


def in_first(*, offgoing_nm: float = 2000.0, oncoming_nm: float = 0.0) -> Gearbox:
    g = Gearbox(FIRST * OUTPUT)
    g.begin_step(FIRST, SECOND, offgoing_nm, oncoming_nm, 1.0)
    g.offgoing.stuck = True
    return g


def substep(g: Gearbox, input_nm: float, output: float = OUTPUT) -> float:
    out, _ = g.output_torque(input_nm, J, output)
    g.after_substep(H, output)
    return out


def inertia_phase_s(oncoming_nm: float, input_nm: float) -> float:
    """From the offgoing element released to the oncoming one gripping at 2nd gear's speed."""
    g = in_first()
    g.begin_step(FIRST, SECOND, 0.0, oncoming_nm, 1.0)
    t = 0.0
    while not g.oncoming.stuck:
        substep(g, input_nm)
        t += H
        assert t < 5.0, "never synchronised"
    return t


def test_a_closed_element_holds_the_gear_and_passes_the_input_torque() -> None:
    g = in_first()
    g.efficiency = 0.95
    assert substep(g, 400.0) == pytest.approx(400.0 * FIRST * 0.95)
    assert g.input_radps == FIRST * OUTPUT
    assert g.offgoing.stuck


def test_a_slipping_oncoming_element_carries_its_capacity_at_its_own_ratio() -> None:
    g = in_first(oncoming_nm=300.0)
    # input at 1st gear's speed is faster than 2nd's: the oncoming element brakes it, the held
    # one carries the rest: output torque dips from 5 x 400 toward 3.2 x 400 (the torque phase)
    assert substep(g, 400.0) == pytest.approx(FIRST * (400.0 - 300.0) + SECOND * 300.0)


def test_the_offgoing_element_breaks_loose_once_its_capacity_falls_below_its_share() -> None:
    g = in_first(oncoming_nm=600.0)
    substep(g, 400.0)
    assert g.offgoing.stuck  # it holds -200 Nm with 2000 Nm of capacity
    g.begin_step(FIRST, SECOND, 150.0, 600.0, 1.0)
    substep(g, 400.0)
    assert not g.offgoing.stuck
    substep(g, 400.0)
    assert g.input_radps < FIRST * OUTPUT  # the ratio change starts: the end of the dead time


def test_the_inertia_phase_lasts_the_input_inertia_times_the_speed_step_over_the_net_torque() -> None:
    clutch, engine = 1000.0, 200.0
    expected = J * (FIRST - SECOND) * OUTPUT / (clutch - engine)
    assert inertia_phase_s(clutch, engine) == pytest.approx(expected, abs=H)


@given(st.floats(400.0, 2000.0), st.floats(0.0, 300.0))
def test_more_pressure_or_a_deeper_cut_shortens_the_inertia_phase(clutch: float, engine: float) -> None:
    base = inertia_phase_s(clutch, engine)
    assert inertia_phase_s(clutch * 1.2, engine) < base
    assert inertia_phase_s(clutch, engine * 0.5) <= base


def test_the_output_torque_keeps_its_sign_through_the_inertia_phase() -> None:
    g = in_first()
    g.begin_step(FIRST, SECOND, 0.0, 900.0, 1.0)
    torques = []
    while not g.oncoming.stuck:
        torques.append(substep(g, 200.0))
    torques += [substep(g, 200.0) for _ in range(20)]
    assert min(torques) > 0.0
    assert g.input_radps == pytest.approx(SECOND * OUTPUT)


def test_an_oncoming_element_too_weak_for_the_engine_lets_the_input_flare() -> None:
    g = in_first()
    g.begin_step(FIRST, SECOND, 0.0, 150.0, 1.0)
    for _ in range(20):
        substep(g, 400.0)
    assert g.input_radps > FIRST * OUTPUT  # neither element holds: the engine runs away


def test_a_downshift_element_pulls_the_input_up_and_brakes_the_output() -> None:
    g = Gearbox(SECOND * OUTPUT)
    g.begin_step(SECOND, FIRST, 0.0, 500.0, 1.0)  # offgoing released, 1st gear's element applying
    out = substep(g, 0.0)
    assert out == pytest.approx(-FIRST * 500.0)
    assert g.input_radps == pytest.approx(SECOND * OUTPUT + H * 500.0 / J)


def test_a_completed_shift_hands_the_gear_to_the_oncoming_element() -> None:
    g = in_first()
    g.begin_step(FIRST, SECOND, 0.0, 1000.0, 1.0)
    while not g.oncoming.stuck:
        substep(g, 100.0)
    gripping = g.oncoming
    g.begin_step(SECOND, SECOND, 1000.0, 0.0, 1.0)
    assert g.offgoing is gripping
    assert g.offgoing.stuck
    assert g.oncoming.ratio == 0.0
