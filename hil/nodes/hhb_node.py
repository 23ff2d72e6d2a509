"""HHB node: the hydraulic handbrake controller on `HHB_Status`."""

from __future__ import annotations

from hil.models.handbrake import Hhb, HhbInputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

PERIOD_NS = 10_000_000


class HhbNode:
    name = "HHB"
    nodes: tuple[str, ...] = ("HHB",)
    period_ns = PERIOD_NS

    def __init__(self, model: Hhb, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv, abs_, dcu = rx.signals("DRV_Controls"), rx.signals("ABS_WheelSpeeds"), rx.signals("DCU_Status")
        lever = drv["HandbrakeLever"] if not rx.timed_out("DRV_Controls") else 0.0
        rear = max(abs_["WheelSpeedRL"], abs_["WheelSpeedRR"])
        out = self.model.step(now_ns, HhbInputs(lever, rear, dcu["CentreCouplingTorque"] < 1.0))
        return Tx(cyclic={
            "HHB_Status": {
                "State": float(out.state),
                "RearBrakePressure": out.pressure_bar,
                "RearAxleLocked": float(out.rear_locked),
                "CentreOpenRequest": float(out.centre_open_request),
                "ConverterOpenRequest": float(out.centre_open_request),
                "UpshiftInhibitRequest": float(out.centre_open_request),
            },
            "HHB_Identity": self.identity,
        })
