"""The plant on its own (pure model, virtual time): handbrake lock, split grip, determinism, speed."""

from __future__ import annotations

from hil.config.calibration import load_calibration
from hil.models.driveline import DrivelineInputs
from hil.models.enums import NO_TORQUE_LIMIT_NM
from hil.models.plant import Plant, PlantInputs, PlantOutputs
from tests.support import RALLY

STEP_NS = 10_000_000


def rally_plant() -> Plant:
    c = load_calibration(RALLY).values
    return Plant(c.engine, c.driveline, c.vehicle, c.hardware)


def inputs(*, accel: float = 0.0, gear: int = 3, lockup: bool = False, centre_nm: float = 0.0,
           rear_lock_nm: float = 0.0, handbrake_bar: float = 0.0,
           surfaces: tuple[str, str, str, str] = ("gravel",) * 4) -> PlantInputs:
    return PlantInputs(
        accel_pct=accel, front_brake_bar=0.0, rear_brake_bar=0.0, handbrake_bar=handbrake_bar,
        driveline=DrivelineInputs(gear, gear, 18.0, 0.0, lockup, centre_nm, 0.0, rear_lock_nm),
        torque_limit_nm=NO_TORQUE_LIMIT_NM, intervention=0, blip_target_rpm=0.0, grade_pct=0.0,
        surfaces=surfaces,
    )


def run(plant: Plant, inp: PlantInputs, seconds: float, t0_ns: int = 0) -> tuple[int, PlantOutputs]:
    t = t0_ns
    out = None
    for _ in range(round(seconds * 1e9 / STEP_NS)):
        t += STEP_NS
        out = plant.step(t, inp)
    assert out is not None
    return t, out


def at_speed(kph: float, plant: Plant, inp: PlantInputs) -> tuple[int, PlantOutputs]:
    """Accelerate with `inp` until the car passes `kph`."""
    t = 0
    while True:
        t, out = run(plant, inp, 0.01, t)
        if out.vehicle_kph >= kph:
            return t, out
        assert t < 30 * 1_000_000_000, "never reached the speed"


def test_handbrake_locks_rear_wheels_while_fronts_turn_with_the_centre_open() -> None:
    plant = rally_plant()
    t, _ = at_speed(40.0, plant, inputs(accel=40.0, gear=2, centre_nm=0.0))
    t, out = run(plant, inputs(accel=0.0, gear=2, handbrake_bar=100.0), 0.5, t)
    fl, fr, rl, rr = out.wheel_kph
    assert rl < 1.0 and rr < 1.0, out.wheel_kph
    assert fl > 15.0 and fr > 15.0, out.wheel_kph
    assert out.vehicle_kph > 15.0


def test_handbrake_with_the_converter_open_does_not_stall_the_engine() -> None:
    plant = rally_plant()
    t, _ = at_speed(40.0, plant, inputs(accel=40.0, gear=2))
    t, _ = run(plant, inputs(accel=40.0, gear=2, lockup=True), 1.0, t)
    t, out = run(plant, inputs(gear=2, lockup=False, handbrake_bar=100.0), 3.0, t)
    assert not out.stalled
    assert out.engine_rpm > 500.0


def test_handbrake_with_the_converter_locked_stalls_the_engine_once_the_car_stops() -> None:
    plant = rally_plant()
    t, _ = at_speed(20.0, plant, inputs(accel=30.0, gear=1, centre_nm=3000.0))
    t, _ = run(plant, inputs(accel=30.0, gear=1, lockup=True, centre_nm=3000.0), 1.0, t)
    _, out = run(plant, inputs(gear=1, lockup=True, centre_nm=3000.0, handbrake_bar=150.0), 4.0, t)
    assert out.stalled


def test_rear_diff_lock_lets_the_grippy_wheel_drive_with_the_other_on_soft_sand() -> None:
    split = ("gravel", "gravel", "gravel", "soft_sand")

    def speed_after(rear_lock_nm: float) -> tuple[float, PlantOutputs]:
        plant = rally_plant()
        _, out = run(plant, inputs(accel=100.0, gear=1, centre_nm=3000.0, rear_lock_nm=rear_lock_nm,
                                   surfaces=split), 2.0)
        return out.vehicle_kph, out

    open_kph, open_out = speed_after(0.0)
    locked_kph, locked_out = speed_after(2000.0)
    # open: the soft-sand wheel spins and the rear axle's drive collapses to its grip
    assert open_out.wheel_kph[3] > open_out.wheel_kph[2] + 5.0
    # lock torque: both rear wheels turn together and the car is faster
    assert abs(locked_out.wheel_kph[3] - locked_out.wheel_kph[2]) < 2.0
    assert locked_kph > open_kph + 2.0


def test_same_inputs_give_the_same_outputs() -> None:
    a, b = rally_plant(), rally_plant()
    _, out_a = run(a, inputs(accel=80.0, gear=2, centre_nm=300.0), 3.0)
    _, out_b = run(b, inputs(accel=80.0, gear=2, centre_nm=300.0), 3.0)
    assert out_a == out_b

