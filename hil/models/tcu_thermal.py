"""Transmission oil temperature: one thermal mass heated by slip and losses, cooled towards a reference.

Heat comes from converter slip (engine torque × engine-turbine slip speed), clutch slip during
shifts, the gear train's losses and the clutch packs' drag; the rally car's added oil cooler
shows as a bigger cooling coefficient.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from hil.config.schema import Strict

_NS_PER_S = 1_000_000_000
_RPM_PER_RAD_S = 60.0 / (2.0 * math.pi)


class ThermalCalibration(Strict):
    initial_oil_temp_c: float = Field(default=85.0, ge=-40, le=200)
    cooling_reference_c: float = Field(default=85.0, ge=-40, le=150)  # oil-to-coolant exchanger target
    heat_capacity_j_per_k: float = Field(default=30_000.0, ge=100, le=10000000)  # E: ~9 l ATF + case metal
    cooling_w_per_k: float = Field(default=450.0, ge=1, le=100000)  # E: rally adds an air-to-oil cooler
    # E: docs/gearbox.md#oil-temperature: above ~120 °C slow, soft shifts
    derate_c: float = Field(default=120.0, ge=40, le=200)
    limp_c: float = Field(default=135.0, ge=40, le=200)  # ...above ~135 °C force auto (limp)
    limp_exit_c: float = Field(default=128.0, ge=40, le=200)  # limp latches until the oil cools below this
    derate_time_factor: float = Field(default=1.5, ge=1.0, le=5.0)  # phase durations × this when hot
    limp_torque_limit_nm: float = Field(default=400.0, ge=1, le=2047.5)  # engine ceiling in limp
    # losses into the oil besides slip (E: an 8HP passes ~98.5 % of its power; the rest is gear mesh
    # and bearings; the pump (line pressure x flow) and the open clutch packs drag with speed)
    gear_loss_fraction: float = Field(default=0.015, ge=0, le=0.2)  # of the power through the gearbox
    spin_loss_w_per_krpm: float = Field(default=700.0, ge=0, le=10000)  # pump and drag, per 1,000 turbine rpm

    @model_validator(mode="after")
    def _ordered(self) -> ThermalCalibration:
        if not self.derate_c < self.limp_c:
            raise ValueError("derate_c must be below limp_c")
        if not self.limp_exit_c < self.limp_c:
            raise ValueError("limp_exit_c must be below limp_c (hysteresis)")
        return self


class OilThermal:
    """Lumped oil temperature; `step` integrates over the time since the last call."""

    def __init__(self, cal: ThermalCalibration) -> None:
        self.cal = cal
        self.temp_c = cal.initial_oil_temp_c
        self.limp = self.temp_c >= cal.limp_c
        self._last_ns: int | None = None

    def step(self, now_ns: int, slip_power_w: float) -> float:
        c = self.cal
        dt_s = 0.0 if self._last_ns is None else (now_ns - self._last_ns) / _NS_PER_S
        self._last_ns = now_ns
        cooling_w = c.cooling_w_per_k * (self.temp_c - c.cooling_reference_c)
        self.temp_c += (max(0.0, slip_power_w) - cooling_w) * dt_s / c.heat_capacity_j_per_k
        if self.temp_c >= c.limp_c:
            self.limp = True
        elif self.temp_c < c.limp_exit_c:
            self.limp = False
        return self.temp_c

    @property
    def derated(self) -> bool:
        return self.temp_c >= self.cal.derate_c


def heat_w(cal: ThermalCalibration, *, engine_rpm: float, engine_torque_nm: float, turbine_rpm: float,
           converter_open: bool, in_gear: bool, clutch_sync_rpm: float | None) -> float:
    """Heat into the oil (W) as the TCU estimates it from its sensors: converter slip under engine
    torque, a shift element slipping from the turbine speed to `clutch_sync_rpm` (in a shift), the
    gear train's share of the power passing through, and the drag of the spinning clutch packs."""
    w_engine = engine_rpm / _RPM_PER_RAD_S
    w_turbine = turbine_rpm / _RPM_PER_RAD_S
    power = 0.0
    if converter_open:
        power += max(0.0, engine_torque_nm) * max(0.0, w_engine - w_turbine)
    if clutch_sync_rpm is not None:
        power += abs(engine_torque_nm) * abs(w_turbine - clutch_sync_rpm / _RPM_PER_RAD_S)
    if in_gear:
        power += cal.gear_loss_fraction * abs(engine_torque_nm * w_turbine)
    return power + cal.spin_loss_w_per_krpm * abs(turbine_rpm) / 1000.0
