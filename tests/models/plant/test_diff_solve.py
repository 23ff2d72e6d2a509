"""The implicit driveline solve: momentum, the open and locking diffs, brakes that stick and slip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.models.plant.diff_solve import DiffSolve, solve4

H = 0.002
JW = 2.4  # wheel inertia, kg·m²
FD = 4.1
NO_FORCE = [0.0, 0.0, 0.0, 0.0]


def solver(*, prop_inertia: float = 0.05, capacity: list[float] | None = None, park: bool = False,
           c: float = 0.0) -> DiffSolve:
    s = DiffSolve()
    s.begin_step(final_drive=FD, h=H, wheel_inertia=JW, prop_inertia=prop_inertia, radius_m=0.43,
                 capacity_nm=capacity or [0.0] * 7, park=park)
    s.c = c
    return s


def step(s: DiffSolve, force: list[float] | None = None, output_nm: float = 0.0) -> tuple[float, ...]:
    return s.solve(s.wheel_speeds(1.0 / FD), force or NO_FORCE, [0.0] * 4, output_nm, 0.0)


@given(st.lists(st.floats(-1.0, 1.0), min_size=10, max_size=10), st.lists(st.floats(-1e3, 1e3), min_size=4,
                                                                         max_size=4))
def test_solve4_solves_symmetric_positive_definite_systems(entries: list[float], b: list[float]) -> None:
    # K = L·Lᵀ + I with a random lower triangle L: symmetric positive definite
    low = [[0.0] * 4 for _ in range(4)]
    it = iter(entries)
    for i in range(4):
        for j in range(i + 1):
            low[i][j] = next(it)
    k = [[sum(low[i][m] * low[j][m] for m in range(4)) + (1.0 if i == j else 0.0) for j in range(4)]
         for i in range(4)]
    x = solve4(k[0][0], k[0][1], k[0][2], k[0][3], k[1][1], k[1][2], k[1][3], k[2][2], k[2][3], k[3][3], *b)
    for i in range(4):
        assert sum(k[i][j] * x[j] for j in range(4)) == pytest.approx(b[i], abs=1e-6 * (1.0 + max(map(abs, b))))


def test_with_no_torque_anywhere_the_speeds_keep() -> None:
    s = solver(c=100.0)
    speeds = step(s)
    assert s.c == pytest.approx(100.0)
    assert speeds[:4] == pytest.approx((100.0 / FD,) * 4)


def test_output_torque_accelerates_props_and_wheels_together_through_open_diffs() -> None:
    s = solver(c=50.0)
    step(s, output_nm=1000.0)
    inertia_at_output = 4 * JW / FD**2 + 2 * 0.05
    assert s.c == pytest.approx(50.0 + H * 1000.0 / inertia_at_output)
    assert s.dc == pytest.approx(0.0, abs=1e-12)  # equal ends: the centre diff splits 50/50
    assert s.df == pytest.approx(0.0, abs=1e-12)


def test_an_open_axle_diff_lets_a_single_tyre_force_spin_its_wheels_apart() -> None:
    s = solver(prop_inertia=0.0, c=50.0)
    step(s, force=[0.0, 0.0, 2000.0, 0.0])
    # RL alone is pushed back by r·F: the half-difference of the rear axle takes half of it
    assert s.dr == pytest.approx(-H * 0.43 * 2000.0 / (2 * JW))


def test_a_locked_axle_diff_holds_its_wheels_together() -> None:
    s = solver(prop_inertia=0.0, c=50.0, capacity=[0.0] * 6 + [5000.0])
    step(s, force=[0.0, 0.0, 2000.0, 0.0])
    assert abs(s.dr) < 1e-3
    assert s.stuck[6]


def test_a_slipping_axle_clutch_carries_exactly_its_capacity() -> None:
    s = solver(prop_inertia=0.0, c=50.0, capacity=[0.0] * 6 + [100.0])
    step(s, force=[0.0, 0.0, 2000.0, 0.0])
    assert not s.stuck[6]
    assert s.slip_sign[6] == -1.0
    assert s.dr == pytest.approx(-H * (0.43 * 2000.0 - 100.0) / (2 * JW))


def test_a_slipping_brake_decelerates_each_wheel_by_its_torque() -> None:
    s = solver(prop_inertia=0.0, c=200.0, capacity=[300.0] * 4 + [0.0] * 3)
    speeds = step(s)
    assert speeds[:4] == pytest.approx((200.0 / FD - H * 300.0 / JW,) * 4)


def test_a_brake_stronger_than_the_wheels_momentum_sticks_and_holds_them() -> None:
    s = solver(prop_inertia=0.0, c=1.0, capacity=[3000.0] * 4 + [0.0] * 3)
    speeds = step(s)
    assert all(s.stuck[:4])
    assert max(abs(w) for w in speeds[:4]) < 1e-3


def test_the_parking_pawl_holds_the_output_shaft() -> None:
    s = solver(park=True)
    step(s, output_nm=500.0)
    assert abs(s.c) < 1e-3
