"""TCU node: the shift software on `TCU_Status`, `TCU_TorqueRequest`, `TCU_ShiftEvent`."""

from __future__ import annotations

from hil.models.tcu import Tcu, TcuInputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

PERIOD_NS = 10_000_000


class TcuNode:
    name = "TCU"
    nodes: tuple[str, ...] = ("TCU",)
    period_ns = PERIOD_NS

    def __init__(self, model: Tcu, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)
        self.events = 0

    def step(self, now_ns: int, rx: RxView) -> Tx:
        ecm, abs_ = rx.signals("ECM_Engine"), rx.signals("ABS_WheelSpeeds")
        out = self.model.step(now_ns, TcuInputs(ecm["EngineSpeed"], abs_["VehicleSpeed"]))
        tx = Tx(cyclic={
            "TCU_Status": {
                "GearActual": float(out.gear_actual),
                "GearTarget": float(out.gear_target),
                "Mode": 0.0,
                "ShiftInProgress": float(out.phase != 0),
                "ShiftPhase": float(out.phase),
                "ShiftProgress": out.progress_pct,
                "OilTemp": 80.0,
                "OutputSpeed": 0.0,
            },
            "TCU_TorqueRequest": {
                "TorqueLimitRequest": out.torque_limit_nm,
                "InterventionType": float(out.intervention),
            },
            "TCU_Identity": self.identity,
        })
        if out.shift_event is not None:
            self.events = (self.events + 1) % 256
            frm, to, ms = out.shift_event
            tx.events.append(("TCU_ShiftEvent", {
                "FromGear": float(frm), "ToGear": float(to), "ShiftTimeMs": float(ms),
                "ShiftKind": 0.0 if to > frm else 3.0, "Trigger": 1.0, "EventCounter": float(self.events),
            }))
        return tx
