"""The pure TCU model with hand-made inputs: hysteresis, dwell, thermal behaviour, schedule lookup."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.models.enums import Gear, Selector, ShiftKind, ShiftPhase
from hil.models.hardware import HardwareCalibration
from hil.models.tcu import Tcu, TcuCalibration, TcuInputs
from hil.models.tcu_schedule import ShiftMapCalibration, interp
from hil.models.tcu_thermal import OilThermal, ThermalCalibration, heat_w

MS = 1_000_000
HW = HardwareCalibration()


def kph_for_output(rpm: float, hw: HardwareCalibration = HW) -> float:
    return rpm / hw.final_drive * 2 * math.pi / 60 * hw.rolling_radius_m * 3.6


def inputs(kph: float, pedal: float = 20.0, selector: Selector = Selector.D, **kw: object) -> TcuInputs:
    base: dict[str, object] = dict(selector=int(selector), accel_pct=pedal, paddle_up=False, paddle_down=False,
                                   engine_rpm=2000.0, engine_torque_nm=200.0, wheel_kph=(kph,) * 4,
                                   engine_ok=True, wheels_ok=True)
    base.update(kw)
    return TcuInputs(**base)  # type: ignore[arg-type]


class Drive:
    """Steps a Tcu every 10 ms and records its gear after each step; the turbine turns with the
    engaged gear and jumps to the new one once a shift's ratio change begins (a kinematic gearbox)."""

    def __init__(self, cal: TcuCalibration | None = None) -> None:
        self.tcu = Tcu(cal or TcuCalibration(), HW)
        self.t = 0
        self.gears: list[int] = []
        self.shift_started: list[int] = []  # step indexes where a shift began

    def turbine_rpm(self, i: TcuInputs) -> float:
        s = self.tcu.shift
        moving = s is not None and (s.phase is ShiftPhase.INERTIA or s.synced_ns is not None)
        gear = s.to_gear if moving and s is not None else self.tcu.gear
        output = sum(i.wheel_kph) / 4.0 / 3.6 / HW.rolling_radius_m * 60.0 / (2 * math.pi) * HW.final_drive
        return output * HW.gear_ratios[gear - 1] if 1 <= gear <= HW.gear_count else 0.0

    def run(self, ms: int, i: TcuInputs) -> None:
        for _ in range(ms // 10):
            idle = self.tcu.shift is None
            out = self.tcu.step(self.t, dataclasses.replace(i, turbine_rpm=self.turbine_rpm(i)))
            if idle and self.tcu.shift is not None:
                self.shift_started.append(len(self.gears))
            self.gears.append(out.gear_actual)
            self.t += 10 * MS

    def shifts(self) -> int:
        return sum(1 for a, b in zip(self.gears, self.gears[1:], strict=False) if a not in (b, Gear.P))


def test_speed_wobbling_just_over_the_upshift_line_shifts_once() -> None:
    cal = TcuCalibration()
    line = cal.schedule.upshift_rpm(3, 20.0)
    d = Drive(cal)
    d.run(100, inputs(kph_for_output(line * 0.9)))
    d.tcu.gear = 3  # start the experiment in 3rd
    for n in range(400):  # ±15 output rpm around the line, well inside the hysteresis
        d.run(10, inputs(kph_for_output(line + (15 if n % 2 else -15))))
    assert d.gears[-1] == 4
    assert d.shifts() == 1


def shift_steps(d: Drive) -> list[int]:
    """Indexes of the steps whose gear differs from the step before (a shift ended there)."""
    return [k for k in range(1, len(d.gears)) if d.gears[k] != d.gears[k - 1]]


def test_dwell_holds_every_scheduled_shift_for_the_calibrated_time_after_the_last() -> None:
    cal = TcuCalibration()
    d = Drive(cal)
    d.run(50, inputs(kph_for_output(cal.schedule.upshift_rpm(3, 20.0) * 0.9)))
    d.tcu.gear = 3
    d.run(300, inputs(kph_for_output(cal.schedule.upshift_rpm(3, 20.0) + 20)))
    assert d.tcu.gear == 4
    t_shift = d.tcu.auto.last_end_ns
    # at once above the 4->5 line: the next upshift starts min_dwell_ms after the first ended
    d.run(int(cal.min_dwell_ms) + 500, inputs(kph_for_output(cal.schedule.upshift_rpm(4, 20.0) + 20)))
    assert d.tcu.gear == 5
    start = d.shift_started[-1] * 10 * MS  # step k runs at k x 10 ms
    assert start - t_shift == pytest.approx(cal.min_dwell_ms * MS, abs=10 * MS)


def test_dwell_holds_a_reversal_after_a_shift_for_the_calibrated_time() -> None:
    cal = TcuCalibration()
    d = Drive(cal)
    up = cal.schedule.upshift_rpm(3, 20.0)
    down = cal.schedule.downshift_rpm(4, 20.0)
    d.run(50, inputs(kph_for_output(up * 0.9)))
    d.tcu.gear = 3
    d.run(300, inputs(kph_for_output(up + 20)))
    assert d.tcu.gear == 4
    t_shift = d.tcu.auto.last_end_ns
    d.run(500, inputs(kph_for_output(down - 20)))  # under the down line at once
    assert d.tcu.gear == 4
    d.run(1000, inputs(kph_for_output(down - 20)))
    assert d.tcu.gear == 3
    start = d.shift_started[-1] * 10 * MS
    assert start - t_shift == pytest.approx(cal.min_dwell_ms * MS, abs=10 * MS)


def test_a_lift_off_holds_d_upshifts_for_the_calibrated_time_then_one_at_a_time() -> None:
    cal = TcuCalibration()
    d = Drive(cal)
    d.run(50, inputs(kph_for_output(cal.schedule.upshift_rpm(5, 60.0) * 0.9), pedal=60.0))
    d.tcu.gear = 5
    d.run(3000, inputs(kph_for_output(cal.schedule.upshift_rpm(5, 60.0) * 0.9), pedal=60.0))  # dwell over
    assert d.tcu.gear == 5
    lift_step = len(d.gears)
    # the driver lifts at a speed above every closed-throttle upshift line up to 8th
    d.run(6000, inputs(kph_for_output(cal.schedule.upshift_rpm(7, 0.0) + 50), pedal=0.0))
    starts = [k - lift_step for k in d.shift_started if k >= lift_step]
    assert starts[0] * 10 == pytest.approx(cal.liftoff_hold_ms, abs=10)
    assert d.gears[-1] == 8
    assert all(b - a >= cal.min_dwell_ms / 10 for a, b in itertools.pairwise(shift_steps(d)[-3:]))


def test_power_on_threshold_decides_the_shift_kind() -> None:
    cal = TcuCalibration()
    for pedal, kind in ((cal.power_on_pedal_pct + 5, ShiftKind.POWER_ON_UP), (0.0, ShiftKind.POWER_OFF_UP)):
        t = Tcu(cal, HW)
        t.step(0, inputs(0.0, pedal, Selector.M))
        t.gear = 2
        t.step(10 * MS, inputs(40.0, pedal, Selector.M, paddle_up=True))
        assert t.shift is not None and t.shift.kind == kind


def test_converter_slip_heats_the_oil_and_the_cooler_brings_it_back() -> None:
    th = OilThermal(ThermalCalibration())
    start = th.temp_c
    for n in range(500):  # 5 s brake-stall: 600 Nm at 2,500 rpm into a stopped turbine ≈ 157 kW
        th.step(n * 10 * MS, 600 * 2500 * 2 * math.pi / 60)
    hot = th.temp_c
    assert hot > start + 20
    for n in range(500, 500 + 60_000):
        th.step(n * 10 * MS, 0.0)
    assert th.temp_c < start + 1


def test_rally_oil_cooler_cools_faster_than_the_road_exchanger() -> None:
    temps = []
    for k in (450.0, 150.0):
        th = OilThermal(ThermalCalibration(initial_oil_temp_c=130.0, cooling_w_per_k=k))
        for n in range(3000):
            th.step(n * 10 * MS, 0.0)
        temps.append(th.temp_c)
    assert temps[0] < temps[1]


def test_limp_latches_until_the_oil_cools_below_the_exit_temperature() -> None:
    cal = ThermalCalibration(initial_oil_temp_c=136.0)
    th = OilThermal(cal)
    assert th.limp
    th.temp_c = cal.limp_exit_c + 1
    th.step(0, 0.0)
    assert th.limp
    th.temp_c = cal.limp_exit_c - 1
    th.step(10 * MS, 0.0)
    assert not th.limp


@given(st.floats(min_value=-50, max_value=150))
def test_schedule_lines_are_monotonic_in_pedal_for_every_gear_pair(pedal: float) -> None:
    sched = ShiftMapCalibration()
    for g in range(1, sched.pairs + 1):
        assert sched.upshift_rpm(g, pedal) <= sched.upshift_rpm(g, min(100.0, max(0.0, pedal) + 1))
        assert sched.downshift_rpm(g + 1, pedal) < sched.upshift_rpm(g, pedal)


@given(st.floats(min_value=0, max_value=100))
def test_interp_stays_within_the_breakpoint_values(x: float) -> None:
    xs, ys = (0.0, 25.0, 100.0), (10.0, 30.0, 20.0)
    assert min(ys) <= interp(x, xs, ys) <= max(ys)


_step = st.tuples(
    st.sampled_from([Selector.D, Selector.M, Selector.M, Selector.N, Selector.R, Selector.P]),
    st.floats(min_value=0, max_value=100),  # pedal
    st.booleans(), st.booleans(),  # paddles
    st.floats(min_value=0, max_value=200),  # km/h
    st.booleans(), st.booleans(),  # engine_ok, wheels_ok (mostly true below)
    st.integers(min_value=1, max_value=60),  # held for this many 10 ms steps
)


@given(st.lists(_step, min_size=1, max_size=25))
def test_forward_gear_changes_only_through_a_reported_shift_and_never_while_inputs_are_lost(
        script: list[tuple[Selector, float, bool, bool, float, bool, bool, int]]) -> None:
    cal = TcuCalibration()
    tcu = Tcu(cal, HW)
    t, prev = 0, None
    for selector, pedal, up, down, kph, e_ok, w_ok, hold in script:
        lost = not (e_ok or w_ok)  # lose both together now and then
        for n in range(hold):
            i = inputs(kph, pedal, selector, paddle_up=up and n < 3, paddle_down=down and n < 3,
                       engine_rpm=max(650.0, kph * 60), engine_ok=not lost, wheels_ok=not lost)
            out = tcu.step(t, i)
            t += 10 * MS
            assert out.gear_actual in (*range(0, 9), Gear.R, Gear.P)
            assert 0.0 <= out.torque_limit_nm <= 2047.5
            ev = out.shift_event
            if ev is not None:
                assert ev.dead_time_ms + ev.inertia_phase_ms == ev.shift_time_ms
                assert abs(ev.to_gear - ev.from_gear) >= 1 and out.gear_actual == ev.to_gear
            if prev is not None:
                both_forward = 1 <= prev.gear_actual <= 8 and 1 <= out.gear_actual <= 8
                if both_forward and out.gear_actual != prev.gear_actual:
                    assert ev is not None and ev.from_gear == prev.gear_actual
                if lost and not prev.shift_in_progress:
                    assert not out.shift_in_progress  # nothing new starts without its inputs
            prev = out


def test_upshift_is_triggered_early_by_the_speed_gained_over_the_dead_time() -> None:
    triggers = []
    for anticipate in (True, False):
        d = Drive(TcuCalibration(anticipate_upshifts=anticipate))
        line = d.tcu.cal.schedule.upshift_rpm(1, 100.0)
        d.run(100, inputs(kph_for_output(line - 400), 100.0, Selector.N))  # rolling, steady
        d.run(10, inputs(kph_for_output(line - 400), 100.0))  # D engages 1st
        for n in range(300):  # accelerating at 1,000 output rpm/s towards the 1->2 line
            d.run(10, inputs(kph_for_output(line - 400 + n * 10), 100.0))
            if d.tcu.shift is not None:
                triggers.append(d.tcu.output_rpm)
                break
    early, late = triggers
    assert late > d.tcu.cal.schedule.upshift_rpm(1, 100.0)
    assert late - early == pytest.approx(1000 * 0.09, abs=25)  # rally dead time: 20 + 40 + 30 ms


def test_holding_the_minus_paddle_drops_to_the_lowest_gear_allowed_in_one_shift() -> None:
    cal = TcuCalibration()
    kph = 90.0
    d = Drive(cal)
    d.run(50, inputs(kph, selector=Selector.M))
    d.tcu.gear = 6
    lowest = next(g for g in range(1, 9) if d.tcu.engine_rpm_in(g) <= cal.max_downshift_rpm)
    assert lowest < 5  # the first press takes 6->5; the hold goes further
    edge = len(d.gears)
    d.run(1500, inputs(kph, selector=Selector.M, paddle_down=True))
    assert d.gears[-1] == lowest
    assert [d.gears[k] for k in shift_steps(d) if k > edge] == [5, lowest]
    assert (d.shift_started[-1] - edge) * 10 == pytest.approx(cal.paddle_hold_down_ms, abs=10)
    assert d.tcu.engine_rpm_in(lowest - 1) > cal.max_downshift_rpm  # one lower would over-rev


def test_anti_stall_in_m_downshifts_when_the_engine_falls_under_the_calibrated_speed() -> None:
    cal = TcuCalibration()
    d = Drive(cal)
    kph = 40.0
    d.run(50, inputs(kph, selector=Selector.M, pedal=0.0))
    d.tcu.gear = 4
    rpm_at_step = []
    while d.tcu.gear == 4 and d.tcu.shift is None and kph > 1.0:
        kph -= 0.05  # about 1.4 m/s²: 1 rpm of engine speed per 10 ms step in 4th
        d.run(10, inputs(kph, selector=Selector.M, pedal=0.0))
        rpm_at_step.append(d.tcu.engine_rpm_in(4))
    assert d.tcu.shift is not None and d.tcu.shift.to_gear == 3
    assert rpm_at_step[-1] < cal.anti_stall_rpm <= rpm_at_step[-2]


def test_a_gear_the_box_hunted_back_into_is_held_for_the_calibrated_time() -> None:
    cal = TcuCalibration()
    up, down = cal.schedule.upshift_rpm(1, 60.0), cal.schedule.downshift_rpm(2, 60.0)
    d = Drive(cal)
    d.run(50, inputs(kph_for_output(up * 0.9), pedal=60.0))
    d.tcu.gear = 1
    d.run(500, inputs(kph_for_output(up + 20), pedal=60.0))  # 1->2
    d.run(int(cal.min_dwell_ms) + 300, inputs(kph_for_output(down - 20), pedal=60.0))  # the climb wins: 2->1
    assert d.gears[-1] == 1
    t_hunt = d.tcu.auto.last_end_ns
    d.run(int(cal.hunt_hold_ms) + 1000, inputs(kph_for_output(up + 20), pedal=60.0))  # over the line again
    assert d.gears[-1] == 2
    start = d.shift_started[-1] * 10 * MS
    assert start - t_hunt == pytest.approx(cal.hunt_hold_ms * MS, abs=10 * MS)


def test_the_gear_train_and_the_spinning_clutch_packs_heat_the_oil_besides_slip() -> None:
    cal = ThermalCalibration()
    locked = heat_w(cal, engine_rpm=3000.0, engine_torque_nm=500.0, turbine_rpm=3000.0, converter_open=False,
                    in_gear=True, clutch_sync_rpm=None)
    w = 3000.0 * 2 * math.pi / 60
    assert locked == pytest.approx(cal.gear_loss_fraction * 500.0 * w + cal.spin_loss_w_per_krpm * 3.0)
    slipping = heat_w(cal, engine_rpm=3000.0, engine_torque_nm=500.0, turbine_rpm=2500.0, converter_open=True,
                      in_gear=True, clutch_sync_rpm=None)
    w_turbine = 2500.0 * 2 * math.pi / 60
    losses = cal.gear_loss_fraction * 500.0 * w_turbine + cal.spin_loss_w_per_krpm * 2.5
    assert slipping == pytest.approx(losses + 500.0 * (w - w_turbine))  # the converter's slip on top


@pytest.mark.parametrize("lockup", [True, False])
def test_a_power_on_downshift_with_the_converter_open_runs_as_a_power_off_one(lockup: bool) -> None:
    from hil.models.enums import Trigger
    from hil.models.tcu_shift import Shift, ShiftCalibration

    cal = ShiftCalibration()
    s = Shift.plan(0, 3, 2, power_on=True, trigger=Trigger.PADDLE, request_ns=0, cal=cal, slow_factor=1.0,
                   torque_nm=300.0, cut_nm=60.0, offgoing_bar=cal.line_bar, lockup=lockup)
    assert s.kind is ShiftKind.POWER_ON_DOWN  # reported as what the driver asked for
    # closed: the engine flares the turbine against a slipping offgoing element (ratio first);
    # open: the turbine does not follow the engine, the oncoming element must pull it (load first)
    assert s.torque_first is not lockup and s.offgoing_slips is lockup
    as_kind = ShiftKind.POWER_ON_DOWN if lockup else ShiftKind.POWER_OFF_DOWN
    assert s.fill_end_ns == int((cal.decision_ms + cal.of(as_kind).fill_ms) * MS)
