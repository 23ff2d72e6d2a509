"""DRV node: the driver model on `DRV_Controls`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.models.driver import Driver, DriverInputs
from hil.runtime.node import RxView, Tx

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet

PERIOD_NS = 10_000_000


class DriverNode:
    name = "DRV"
    nodes: tuple[str, ...] = ("DRV",)
    period_ns = PERIOD_NS
    accepts = frozenset({"driver"})

    def __init__(self, model: Driver) -> None:
        self.model = model

    def apply_calibration(self, values: CalibrationSet) -> None:
        self.model.cal = values.driver  # gains are read per step

    def step(self, now_ns: int, rx: RxView) -> Tx:
        out = self.model.step(now_ns, DriverInputs(rx.signals("ABS_WheelSpeeds")["VehicleSpeed"]))
        return Tx(cyclic={"DRV_Controls": {
            "PaddleUp": float(out.paddle_up),
            "PaddleDown": float(out.paddle_down),
            "Selector": float(out.selector),
            "AccelPedal": out.accel_pct,
            "BrakePressure": out.brake_bar,
            "HandbrakeLever": out.handbrake_pct,
            "CentreLockSwitch": float(out.centre_lock),
            "LowRangeRequest": float(out.low_range),
        }})
