"""Crank and gearbox input shaft: engine torque through the converter (or the closed lock-up
clutch) and the gearbox, as a torque and a reflected inertia on the gearbox output shaft.

Speeds in rad/s (crank, input and output shafts), torques in Nm, integrated explicitly per
substep; the output shaft itself belongs to the implicit driveline solve (`diff_solve`).
"""

from __future__ import annotations

from hil.models.driveline import DrivelineCalibration, Engagement
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.plant.converter import LockupClutch, converter

NEUTRAL = Engagement(False, False, 0.0, 0.0, False, 0.0, 0.0)


class Powertrain:
    """Engine, converter, lock-up clutch and the gearbox's shift clutches up to the output shaft."""

    def __init__(self, engine: Engine, idle_rpm: float) -> None:
        self.engine = engine
        self.crank_radps = idle_rpm / RPM
        self.input_radps = self.crank_radps  # turbine = gearbox input shaft
        self.lockup = LockupClutch()
        self.torque_nm = 0.0  # net crank torque of the last substep
        self._in_inertia = False
        # this node step's engagement and constants (set by `begin_step`)
        self._eng = NEUTRAL
        self._h = 0.0
        self._alpha = 0.0  # input shaft acceleration the TCU's inertia-phase ramp asks for, rad/s²
        self._engine_inertia = self._input_inertia = 1.0
        self._efficiency = 1.0
        self._converter = (1.0, 1.0, 0.5)  # K factor, stall torque ratio, coupling speed ratio
        self._clutch_capacity_nm = 0.0

    def restart_if_stalled(self, gear_actual: int, idle_rpm: float) -> None:
        """The starter turns a stalled engine once the selector is in N or P."""
        if self.engine.stalled and gear_actual in (Gear.N, Gear.P):
            self.engine.restart()
            self.crank_radps = idle_rpm / RPM

    def begin_step(self, eng: Engagement, *, lockup_closed: bool, dt_s: float, output_radps: float,
                   ecal: EngineCalibration, dcal: DrivelineCalibration, h: float, n_sub: int) -> None:
        """Latch one node step's gear engagement and lock-up command (held through its substeps)."""
        self.lockup.command(lockup_closed, dcal, dt_s)
        self._eng = eng
        self._h = h
        self._engine_inertia = ecal.inertia_kgm2
        self._input_inertia = dcal.input_inertia_kgm2
        self._efficiency = dcal.gearbox_efficiency * dcal.axle_efficiency
        self._converter = (dcal.converter_k_factor, dcal.converter_stall_torque_ratio,
                           dcal.converter_coupling_speed_ratio)
        self._clutch_capacity_nm = dcal.oncoming_clutch_capacity_nm
        alpha = 0.0
        if eng.inertia_phase:
            if not self._in_inertia:
                self.input_radps = eng.ratio_old * output_radps
            # the TCU's progress through the ratio change, reached by the end of this node step
            old, new = eng.ratio_old, eng.ratio_new
            target = output_radps * (old + (new - old) * eng.progress)
            alpha = (target - self.input_radps) / (n_sub * h)
        self._in_inertia = eng.inertia_phase
        self._alpha = alpha

    def substep(self, output_radps: float) -> tuple[float, float]:
        """Advance crank and input shaft by one substep at the output speed `output_radps`.

        Returns (torque on the output shaft in Nm, inertia reflected onto it in kg·m²); the
        driveline solve treats the reflected inertia implicitly.
        """
        eng = self._eng
        if eng.connected and not eng.inertia_phase:
            self.input_radps = eng.ratio_old * output_radps
        elif not eng.connected:
            self.input_radps = self.crank_radps
        if self.lockup.locked:
            self.crank_radps = self.input_radps
        te = self.engine.torque(self._h, self.crank_radps)
        self.torque_nm = te
        output_nm = reflected_inertia = 0.0
        if not eng.connected:
            self.crank_radps += self._h * te / self._engine_inertia
        else:
            input_nm, input_inertia = self._input_torque(te)
            if eng.inertia_phase:
                output_nm = self._shift_clutch(input_nm, input_inertia)
            else:
                output_nm = input_nm * eng.ratio_torque * self._efficiency
                reflected_inertia = input_inertia * eng.ratio_old * eng.ratio_torque
        self.crank_radps = max(self.crank_radps, 0.0)
        return output_nm, reflected_inertia

    def _input_torque(self, te: float) -> tuple[float, float]:
        """(torque, inertia) at the gearbox input: the crank through the closed lock-up clutch, or
        the turbine of the open converter with the slipping lock-up clutch (crank integrated here)."""
        if self.lockup.locked:
            return te, self._engine_inertia + self._input_inertia
        we, wi, je = self.crank_radps, self.input_radps, self._engine_inertia
        k_factor, stall_tr, coupling_sr = self._converter
        pump_nm, turbine_nm = converter(we, wi, k_factor, stall_tr, coupling_sr)
        lockup_cap = self.lockup.capacity_nm
        lockup_nm = lockup_cap if we > wi else -lockup_cap
        we_new = we + self._h * (te - pump_nm - lockup_nm) / je
        if lockup_cap > 0.0 and (we_new - wi) * (we - wi) <= 0.0:
            # crank and turbine speeds met with the lock-up clutch applied: it sticks
            self.lockup.locked = True
            we_new = wi
        self.crank_radps = we_new
        return turbine_nm + lockup_nm, self._input_inertia

    def _shift_clutch(self, input_nm: float, input_inertia: float) -> float:
        """Inertia phase: the oncoming clutch carries input torque + inertia torque up to its
        capacity (past it the input speed lags the TCU's ramp); its torque at the output shaft."""
        clutch_nm = input_nm - input_inertia * self._alpha
        cap = self._clutch_capacity_nm
        if clutch_nm > cap:
            clutch_nm = cap
        elif clutch_nm < -cap:
            clutch_nm = -cap
        self.input_radps += self._h * (input_nm - clutch_nm) / input_inertia
        if self.lockup.locked:
            self.crank_radps = self.input_radps
        return clutch_nm * self._eng.ratio_new * self._efficiency

    def end_step(self, output_radps: float) -> None:
        """A closed lock-up clutch ties the crank to the input shaft, and a gear the input to the output."""
        eng = self._eng
        if self.lockup.locked and eng.connected:
            self.crank_radps = self.input_radps if eng.inertia_phase else eng.ratio_old * output_radps
