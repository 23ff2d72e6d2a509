"""DCU node: centre coupling, axle diffs and transfer box on `DCU_Status`."""

from __future__ import annotations

from hil.models.dcu import Dcu, DcuInputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

PERIOD_NS = 10_000_000


class DcuNode:
    name = "DCU"
    nodes: tuple[str, ...] = ("DCU",)
    period_ns = PERIOD_NS

    def __init__(self, model: Dcu, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv, hhb = rx.signals("DRV_Controls"), rx.signals("HHB_Status")
        fresh = not rx.timed_out("DRV_Controls")
        out = self.model.step(now_ns, DcuInputs(
            lock_switch=fresh and drv["CentreLockSwitch"] >= 0.5,
            centre_open_request=not rx.timed_out("HHB_Status") and hhb["CentreOpenRequest"] >= 0.5,
            low_range_request=fresh and drv["LowRangeRequest"] >= 0.5,
        ))
        return Tx(cyclic={
            "DCU_Status": {
                "CentreMode": float(out.mode),
                "CentreCouplingTorque": out.coupling_nm,
                "FrontDiffLockTorque": 0.0,
                "RearDiffLockTorque": 0.0,
                "TransferRange": 0.0,
                "LowRangeRejected": float(out.low_range_rejected),
            },
            "DCU_Identity": self.identity,
        })
