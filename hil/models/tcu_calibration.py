"""The TCU's calibration (`[tcu]`): its sections, bounds and cross-checks, apart from the model so the
step code (hil.models.tcu) holds no pydantic class."""

from __future__ import annotations

from pydantic import Field, model_validator

from hil.config.schema import Strict
from hil.config.units import ForwardGear
from hil.models.hardware import HardwareCalibration
from hil.models.tcu_auto import AutoCalibration
from hil.models.tcu_schedule import ShiftMapCalibration
from hil.models.tcu_shift import ShiftCalibration
from hil.models.tcu_thermal import ThermalCalibration


class TcuCalibration(Strict):
    schedule: ShiftMapCalibration = ShiftMapCalibration()
    shift: ShiftCalibration = ShiftCalibration()
    thermal: ThermalCalibration = ThermalCalibration()
    power_on_pedal_pct: float = Field(default=10.0, ge=0, le=100)  # above: power-on shift kinds
    # OVERREV: redline - 500 (docs/gearbox.md#paddle-rules-m)
    max_downshift_rpm: float = Field(default=6300.0, ge=500, le=10000)
    min_upshift_rpm: float = Field(default=1100.0, ge=100, le=10000)  # UNDERREV: lugging floor
    limiter_rpm: float = Field(default=6700.0, ge=500, le=10000)  # engine speed that counts as "on the limiter"
    limiter_upshift_gears: tuple[ForwardGear, ...] = ()  # M: gears that upshift by themselves at the limiter
    anti_stall_rpm: float = Field(default=800.0, ge=100, le=10000)  # M: auto-downshift below this engine speed
    upshift_cut_pct: float = Field(default=20.0, ge=0, le=100)  # inertia-phase ceiling, % of torque
    min_dwell_ms: float = Field(default=1000.0, ge=0, le=60000)  # D: no scheduled shift sooner after a shift
    hunt_window_ms: float = Field(default=5000.0, ge=0, le=60000)  # D: down again this soon after an up...
    hunt_hold_ms: float = Field(default=15000.0, ge=0, le=600000)  # ...holds the lower gear this long
    liftoff_pedal_pct: float = Field(default=15.0, ge=0, le=100)  # a pedal falling from above this to off...
    liftoff_hold_ms: float = Field(default=1500.0, ge=0, le=60000)  # ...holds D's upshifts this long (E)
    paddle_hold_down_ms: float = Field(default=600.0, ge=100, le=10000)  # - held: the lowest gear allowed
    kickdown_pedal_pct: float = Field(default=95.0, ge=1, le=100)
    kickdown_max_rpm: float = Field(default=5800.0, ge=500, le=10000)  # lowest gear whose engine speed stays under
    kickdown_max_steps: int = Field(default=3, ge=1, le=7)
    paddle_hold_in_d_ms: float = Field(default=8000.0, ge=0, le=3600000)  # paddles in D: manual for this long
    standstill_kph: float = Field(default=3.0, ge=0.1, le=30)  # R and P engage only below this
    lockup_min_gear: int = Field(default=1, ge=1, le=8)
    lockup_close_rpm: float = Field(default=1300.0, ge=100, le=10000)  # turbine speed that closes the lock-up
    lockup_open_rpm: float = Field(default=1000.0, ge=100, le=10000)  # ...and opens it again
    anticipate_upshifts: bool = True  # D: trigger early by the speed gained over the dead time

    @model_validator(mode="after")
    def _consistent(self) -> TcuCalibration:
        if not self.anti_stall_rpm < self.min_upshift_rpm:
            raise ValueError("anti_stall_rpm must be below min_upshift_rpm, or M mode ping-pongs")
        if not self.lockup_open_rpm < self.lockup_close_rpm:
            raise ValueError("lockup_open_rpm must be below lockup_close_rpm (hysteresis)")
        if not self.kickdown_max_rpm <= self.max_downshift_rpm:
            raise ValueError("kickdown_max_rpm must not exceed max_downshift_rpm")
        if not self.max_downshift_rpm < self.limiter_rpm:
            raise ValueError("max_downshift_rpm must be below limiter_rpm")
        return self

    def auto(self) -> AutoCalibration:
        """The values the self-made decisions use (hil.models.tcu_auto)."""
        return AutoCalibration(
            self.schedule, self.power_on_pedal_pct, self.min_upshift_rpm, self.max_downshift_rpm, self.limiter_rpm,
            self.limiter_upshift_gears, self.anti_stall_rpm, self.min_dwell_ms, self.hunt_window_ms,
            self.hunt_hold_ms, self.liftoff_pedal_pct,
            self.liftoff_hold_ms, self.kickdown_pedal_pct, self.kickdown_max_rpm, self.kickdown_max_steps)

    def hardware_problem(self, hw: HardwareCalibration) -> tuple[str, str] | None:
        """Cross-section check against `[hardware]`: (key, reason) of the first problem, or None."""
        pairs = hw.gear_count - 1
        if self.schedule.pairs != pairs:
            return ("tcu.schedule.upshift_output_rpm",
                    f"{self.schedule.pairs} rows, but [hardware] has {hw.gear_count} gears ({pairs} gear pairs)")
        for g in self.limiter_upshift_gears:
            if not 1 <= g < hw.gear_count:
                return ("tcu.limiter_upshift_gears", f"gear {g} has no gear above it ([hardware]: {hw.gear_count})")
        if self.lockup_min_gear > hw.gear_count:
            return ("tcu.lockup_min_gear", f"above the top gear ({hw.gear_count})")
        return self.schedule.hysteresis_problem(hw.gear_ratios)
