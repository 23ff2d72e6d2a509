"""Crank to gearbox output: engine torque through the converter (or the closed lock-up clutch)
into the gearbox, as a torque and a reflected inertia on the gearbox output shaft.

Speeds in rad/s (crank, input and output shafts), torques in Nm, integrated explicitly per
substep; the output shaft itself belongs to the implicit driveline solve (`diff_solve`).
"""

from __future__ import annotations

from hil.models.driveline import DrivelineCalibration
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.plant.converter import LockupClutch, converter
from hil.models.plant.gearbox import Gearbox


class Powertrain:
    """Engine, converter and lock-up clutch up to the gearbox input, and the gearbox's shift clutches."""

    def __init__(self, engine: Engine, idle_rpm: float) -> None:
        self.engine = engine
        self.crank_radps = idle_rpm / RPM
        self.gearbox = Gearbox(self.crank_radps)  # its input shaft is the converter's turbine
        self.lockup = LockupClutch()
        self.torque_nm = 0.0  # net crank torque of the last substep
        # this node step's constants (set by `begin_step`)
        self._h = 0.0
        self._engine_inertia = self._input_inertia = 1.0
        self._converter = (1.0, 1.0, 0.5)  # K factor, stall torque ratio, coupling speed ratio

    @property
    def input_radps(self) -> float:
        """Gearbox input (turbine) speed."""
        return self.gearbox.input_radps

    def restart_if_stalled(self, gear_actual: int, idle_rpm: float) -> None:
        """The starter turns a stalled engine once the selector is in N or P."""
        if self.engine.stalled and gear_actual in (Gear.N, Gear.P):
            self.engine.restart()
            self.crank_radps = idle_rpm / RPM

    def begin_step(self, *, ratio_actual: float, ratio_target: float, offgoing_bar: float, oncoming_bar: float,
                   lockup_closed: bool, dt_s: float, ecal: EngineCalibration, dcal: DrivelineCalibration,
                   h: float) -> None:
        """Latch one node step's gears, clutch pressures and lock-up command (held through its substeps)."""
        self.lockup.command(lockup_closed, dcal, dt_s)
        self._h = h
        self._engine_inertia = ecal.inertia_kgm2
        self._input_inertia = dcal.input_inertia_kgm2
        self._converter = (dcal.converter_k_factor, dcal.converter_stall_torque_ratio,
                           dcal.converter_coupling_speed_ratio)
        k, p0 = dcal.shift_clutch_nm_per_bar, dcal.shift_clutch_return_bar
        self.gearbox.begin_step(ratio_actual, ratio_target, k * max(0.0, offgoing_bar - p0),
                                k * max(0.0, oncoming_bar - p0), dcal.gearbox_efficiency * dcal.axle_efficiency)

    def substep(self, output_radps: float) -> tuple[float, float]:
        """Engine torque and the crank for one substep at the output speed `output_radps`.

        Returns (torque on the output shaft in Nm, inertia reflected onto it in kg·m²); the
        driveline solve treats the reflected inertia implicitly; `after_substep` follows it.
        """
        gearbox = self.gearbox
        if not gearbox.connected:
            gearbox.input_radps = self.crank_radps  # no load: the turbine runs with the pump
        if self.lockup.locked:
            self.crank_radps = gearbox.input_radps
        te = self.engine.torque(self._h, self.crank_radps)
        self.torque_nm = te
        if not gearbox.connected:
            self.crank_radps += self._h * te / self._engine_inertia
            self.crank_radps = max(self.crank_radps, 0.0)
            return 0.0, 0.0
        input_nm, input_inertia = self._input_torque(te)
        self.crank_radps = max(self.crank_radps, 0.0)
        return gearbox.output_torque(input_nm, input_inertia, output_radps)

    def after_substep(self, output_radps: float) -> None:
        """The input shaft follows the solved output speed; a closed lock-up clutch takes the crank along."""
        if self.gearbox.connected:
            self.gearbox.after_substep(self._h, output_radps)
            if self.lockup.locked:
                self.crank_radps = self.gearbox.input_radps

    def _input_torque(self, te: float) -> tuple[float, float]:
        """(torque, inertia) at the gearbox input: the crank through the closed lock-up clutch, or
        the turbine of the open converter with the slipping lock-up clutch (crank integrated here)."""
        if self.lockup.locked:
            return te, self._engine_inertia + self._input_inertia
        we, wi, je = self.crank_radps, self.gearbox.input_radps, self._engine_inertia
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
