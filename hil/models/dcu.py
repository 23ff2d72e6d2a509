"""PROVISIONAL driveline controller (DCU): fixed AUTO torque, full lock on LOCK, open for the handbrake."""

from __future__ import annotations

from dataclasses import dataclass

from hil.config.schema import Strict


class DcuCalibration(Strict):
    auto_torque_nm: float = 300.0
    locked_torque_nm: float = 2500.0


@dataclass(frozen=True, slots=True)
class DcuInputs:
    lock_switch: bool
    centre_open_request: bool
    low_range_request: bool


@dataclass(frozen=True, slots=True)
class DcuOutputs:
    mode: int  # 0 OPEN 1 AUTO 2 LOCKED 3 HANDBRAKE_OPEN
    coupling_nm: float
    low_range_rejected: bool


class Dcu:
    def __init__(self, cal: DcuCalibration) -> None:
        self.cal = cal

    def step(self, now_ns: int, inputs: DcuInputs) -> DcuOutputs:
        if inputs.centre_open_request:
            return DcuOutputs(3, 0.0, inputs.low_range_request)
        if inputs.lock_switch:
            return DcuOutputs(2, self.cal.locked_torque_nm, inputs.low_range_request)
        return DcuOutputs(1, self.cal.auto_torque_nm, inputs.low_range_request)
