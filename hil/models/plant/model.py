"""The plant: engine, converter, 8HP, centre and axle diffs, four tyres and the body, closed-loop.

Fixed-step sub-stepping (SUBSTEP_S) inside each node step: per substep the powertrain gives a
torque and a reflected inertia on the gearbox output shaft (`powertrain`), the tyres their force
and slope (`tyres`), the driveline below the gearbox is solved linearly implicitly with stick-slip
brakes and diff clutches (`diff_solve`), and the body follows, implicit in its speed (`body`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.models.driveline import DrivelineCalibration, DrivelineInputs, gear_ratio
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.hardware import HardwareCalibration
from hil.models.plant.body import Body
from hil.models.plant.diff_solve import DiffSolve
from hil.models.plant.powertrain import Powertrain
from hil.models.plant.tyres import TyreCoefficients, linearised_force_sum, slip_denominator, tyre_force
from hil.models.vehicle import VehicleCalibration

SUBSTEP_S = 0.002  # 2 ms: stable with the implicit tyres and clutches; 0-60 within 0.03 s of 1 ms
FIRST_STEP_S = 0.01  # the first call advances one 10 ms node step
KPH = 3.6


@dataclass(frozen=True, slots=True)
class PlantInputs:
    accel_pct: float
    front_brake_bar: float  # service brakes at the front calipers (after the ABS)
    rear_brake_bar: float  # service brakes at the rear calipers (after the ABS)
    handbrake_bar: float  # hydraulic handbrake, rear calipers only
    driveline: DrivelineInputs
    torque_limit_nm: float  # the lower of the TCU's and the ESC's ceilings
    intervention: int
    blip_target_rpm: float
    grade_pct: float
    surfaces: tuple[str, str, str, str]  # FL, FR, RL, RR
    airborne_pct: float = 0.0  # share of the weight off the ground: 100 in the air over a jump


@dataclass(frozen=True, slots=True)
class PlantOutputs:
    engine_rpm: float
    engine_torque_nm: float
    engine_torque_max_nm: float
    intervention_active: bool
    stalled: bool
    wheel_kph: tuple[float, float, float, float]  # magnitudes, as ABS reports them
    vehicle_kph: float  # signed speed over ground (truth: no sensor on the car measures it)
    output_rpm: float  # gearbox output shaft (truth)
    turbine_rpm: float  # gearbox input shaft: the turbine speed sensor
    accel_mps2: float = 0.0  # longitudinal acceleration (the ABS/ESC unit's accelerometer, 50 ms filtered)


class Plant:
    def __init__(self, engine: EngineCalibration, driveline: DrivelineCalibration,
                 vehicle: VehicleCalibration, hw: HardwareCalibration) -> None:
        self.engine = Engine(engine)
        self.ecal, self.dcal, self.vcal, self.hw = engine, driveline, vehicle, hw
        self._set_surfaces(vehicle)
        self.powertrain = Powertrain(self.engine, engine.idle_rpm)
        self.diffs = DiffSolve()
        self.body = Body()
        self._last_ns: int | None = None
        # per-tyre scratch, overwritten every substep (no allocation in the loop)
        self._force_n = [0.0, 0.0, 0.0, 0.0]
        self._dforce_dw = [0.0, 0.0, 0.0, 0.0]

    def _set_surfaces(self, vehicle: VehicleCalibration) -> None:
        self._tyres = {name: TyreCoefficients.of(s) for name, s in vehicle.surfaces.items()}
        self._crr = {name: s.crr for name, s in vehicle.surfaces.items()}

    def set_calibration(
        self, section: EngineCalibration | DrivelineCalibration | VehicleCalibration | HardwareCalibration,
    ) -> None:
        """A live calibration write (MQTT `calibration/set`): the section reaches the sub-model
        that uses it, derived tables are rebuilt, the physical state is kept."""
        if isinstance(section, EngineCalibration):
            self.ecal = section
            self.engine.set_calibration(section)
        elif isinstance(section, DrivelineCalibration):
            self.dcal = section
        elif isinstance(section, VehicleCalibration):
            self.vcal = section
            self._set_surfaces(section)
        else:
            self.hw = section

    def wheel_speeds(self) -> tuple[float, float, float, float]:
        """FL, FR, RL, RR in rad/s (signed)."""
        return self.diffs.wheel_speeds(1.0 / self.hw.final_drive)

    def step(self, now_ns: int, inp: PlantInputs) -> PlantOutputs:
        """Advance from the previous call to `now_ns` (the first call advances one 10 ms step)."""
        dt_s = (now_ns - self._last_ns) / 1e9 if self._last_ns is not None else FIRST_STEP_S
        self._last_ns = now_ns
        d = inp.driveline
        powertrain = self.powertrain
        powertrain.restart_if_stalled(d.gear_actual, self.ecal.idle_rpm)
        self.engine.command(inp.accel_pct, inp.torque_limit_nm, inp.intervention, inp.blip_target_rpm,
                            self.body.speed_mps * KPH < self.ecal.launch_below_kph)
        h = SUBSTEP_S
        n_sub = max(1, round(dt_s / h))
        powertrain.begin_step(ratio_actual=gear_ratio(d.gear_actual, self.hw),
                              ratio_target=gear_ratio(d.gear_target, self.hw),
                              offgoing_bar=d.offgoing_bar, oncoming_bar=d.oncoming_bar, lockup_closed=d.lockup,
                              dt_s=dt_s, ecal=self.ecal, dcal=self.dcal, h=h)
        self._begin_chassis_step(inp, h, d.gear_actual == Gear.P)
        tyres = [self._tyres[s] for s in inp.surfaces]
        a = 1.0 / self.hw.final_drive
        for _ in range(n_sub):
            self._substep(h, a, tyres)
        return self._outputs()

    def _begin_chassis_step(self, inp: PlantInputs, h: float, park: bool) -> None:
        """Latch this node step's brakes, diff locks, grade and surfaces into the body and the solve."""
        vc, d = self.vcal, inp.driveline
        front_brake = inp.front_brake_bar * vc.front_brake_nm_per_bar
        rear_brake = inp.rear_brake_bar * vc.rear_brake_nm_per_bar + inp.handbrake_bar * vc.handbrake_nm_per_bar
        capacity = [front_brake, front_brake, rear_brake, rear_brake, d.centre_nm, d.front_lock_nm, d.rear_lock_nm]
        self.diffs.begin_step(final_drive=self.hw.final_drive, h=h, wheel_inertia=vc.wheel_inertia_kgm2,
                              prop_inertia=self.dcal.propshaft_inertia_kgm2, radius_m=self.hw.rolling_radius_m,
                              capacity_nm=capacity, park=park)
        ground = 1.0 - min(1.0, max(0.0, inp.airborne_pct / 100.0))
        self.body.begin_step(vc, self.hw, grade_pct=inp.grade_pct, crr=[self._crr[s] for s in inp.surfaces], h=h,
                             ground=ground)

    def _substep(self, h: float, a: float, tyres: list[TyreCoefficients]) -> None:
        """One substep: powertrain, tyres at the current speeds, the implicit driveline solve, the body."""
        diffs, body = self.diffs, self.body
        output_nm, output_inertia = self.powertrain.substep(diffs.c)
        w = diffs.wheel_speeds(a)
        loads = body.wheel_loads()
        v = body.speed_mps
        den = slip_denominator(v)
        r = self.hw.rolling_radius_m
        force_n, dforce_dw = self._force_n, self._dforce_dw
        dforce_dv = 0.0
        for i in range(4):
            f, slope = tyre_force(tyres[i], loads[i], (w[i] * r - v) / den, den)
            force_n[i] = f
            dforce_dw[i] = slope * r
            dforce_dv -= slope
        speeds = diffs.solve(w, force_n, dforce_dw, output_nm, output_inertia)
        self.powertrain.after_substep(diffs.c)
        body.advance(h, linearised_force_sum(force_n, dforce_dw, w, speeds), dforce_dv)

    def _outputs(self) -> PlantOutputs:
        w0, w1, w2, w3 = self.wheel_speeds()
        k = self.hw.rolling_radius_m * KPH
        engine = self.engine
        return PlantOutputs(
            engine_rpm=self.powertrain.crank_radps * RPM,
            engine_torque_nm=self.powertrain.torque_nm,
            engine_torque_max_nm=engine.torque_max_nm,
            intervention_active=engine.intervention_active,
            stalled=engine.stalled,
            wheel_kph=(abs(w0) * k, abs(w1) * k, abs(w2) * k, abs(w3) * k),
            vehicle_kph=self.body.speed_mps * KPH,
            output_rpm=self.diffs.c * RPM,
            turbine_rpm=self.powertrain.input_radps * RPM,
            accel_mps2=self.body.accel_mps2,
        )
