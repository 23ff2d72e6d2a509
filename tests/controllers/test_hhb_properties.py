"""HHB model invariants under arbitrary input sequences (pure model, 10 ms steps, hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hil.models.enums import HhbState
from hil.models.handbrake import Hhb, HhbCalibration, HhbInputs

CAL = HhbCalibration()
DT_NS = 10_000_000
EPS = 1e-9

step_inputs = st.builds(
    HhbInputs,
    lever_pct=st.sampled_from([-20.0, -6.0, 0.0, 3.0, 7.0, 12.0, 50.0, 80.0, 100.0, 150.0]),
    lever_ok=st.booleans(),
    lever_seen=st.just(True),
    speeds_ok=st.booleans(),
    speeds_seen=st.just(True),
    rear_wheel_kph=st.tuples(st.sampled_from([0.0, 0.5, 2.0, 20.0]), st.sampled_from([0.0, 0.5, 2.0, 20.0])),
    vehicle_kph=st.sampled_from([0.0, 40.0, 85.0, 120.0]),
    centre_open=st.booleans(),
)
# Runs of identical inputs (a few frames each), as the bus delivers them
runs = st.lists(st.tuples(step_inputs, st.integers(1, 30)), min_size=1, max_size=25)


def play(seq: list[tuple[HhbInputs, int]]) -> list[tuple[HhbInputs, float, float, HhbState, bool]]:
    hhb, t, out = Hhb(CAL), 0, []
    for inputs, n in seq:
        for _ in range(n):
            before = hhb.pressure_bar
            o = hhb.step(t, inputs)
            out.append((inputs, before, o.pressure_bar, o.state, o.rear_axle_locked))
            t += DT_NS
    return out


@settings(max_examples=150, deadline=None)
@given(runs)
def test_pressure_stays_in_range_and_moves_no_faster_than_the_actuator(seq: list[tuple[HhbInputs, int]]) -> None:
    for _, before, after, _, _ in play(seq):
        assert 0.0 <= after <= CAL.max_pressure_bar
        assert after - before <= CAL.pressure_rise_bar_per_s * DT_NS / 1e9 + EPS
        assert before - after <= max(CAL.pressure_fall_bar_per_s, CAL.fault_fall_bar_per_s) * DT_NS / 1e9 + EPS


@settings(max_examples=150, deadline=None)
@given(runs)
def test_pressure_only_rises_when_applying_on_a_good_lever_and_respects_the_cap(
        seq: list[tuple[HhbInputs, int]]) -> None:
    for inputs, before, after, state, locked in play(seq):
        if after > before:
            assert state in (HhbState.APPLYING, HhbState.LOCKED)
            assert inputs.speeds_ok
            if inputs.vehicle_kph > CAL.speed_cap_kph:
                assert after <= CAL.capped_pressure_bar + EPS
        if locked:
            assert after >= CAL.lock_min_pressure_bar


@settings(max_examples=100, deadline=None)
@given(runs)
def test_a_lever_that_never_passes_its_checks_never_applies_pressure(seq: list[tuple[HhbInputs, int]]) -> None:
    bad = [(HhbInputs(i.lever_pct, False, True, i.speeds_ok, True, i.rear_wheel_kph, i.vehicle_kph,
                      i.centre_open), n) for i, n in seq]
    assert all(after == 0.0 for _, _, after, _, _ in play(bad))
