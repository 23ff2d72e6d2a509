"""TCU node: the shift software on `TCU_Status`, `TCU_TorqueRequest`, `TCU_ShiftEvent`, `TCU_Identity`.

Reads DRV_Controls (selector, pedal, paddles), ECM_Engine, ABS_WheelSpeeds and HHB_Status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.models.tcu import Tcu, TcuInputs, TcuOutputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet

PERIOD_NS = 10_000_000


class TcuNode:
    name = "TCU"
    nodes: tuple[str, ...] = ("TCU",)
    period_ns = PERIOD_NS
    accepts = frozenset({"tcu", "hardware"})

    def __init__(self, model: Tcu, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)

    def apply_calibration(self, values: CalibrationSet) -> None:
        self.model.set_calibration(values.tcu)
        self.model.set_calibration(values.hardware)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv, ecm, abs_, hhb = (rx.signals(m) for m in ("DRV_Controls", "ECM_Engine", "ABS_WheelSpeeds", "HHB_Status"))
        drv_ok, hhb_ok = not rx.timed_out("DRV_Controls"), not rx.timed_out("HHB_Status")
        out = self.model.step(now_ns, TcuInputs(
            selector=int(drv["Selector"]),
            accel_pct=drv["AccelPedal"] if drv_ok else 0.0,
            paddle_up=drv_ok and drv["PaddleUp"] >= 0.5,
            paddle_down=drv_ok and drv["PaddleDown"] >= 0.5,
            engine_rpm=ecm["EngineSpeed"],
            engine_torque_nm=ecm["EngineTorque"],
            engine_torque_max_nm=ecm["EngineTorqueMax"],
            wheel_kph=(abs_["WheelSpeedFL"], abs_["WheelSpeedFR"], abs_["WheelSpeedRL"], abs_["WheelSpeedRR"]),
            engine_ok=not rx.timed_out("ECM_Engine"),
            wheels_ok=not rx.timed_out("ABS_WheelSpeeds"),
            converter_open_request=hhb_ok and hhb["ConverterOpenRequest"] >= 0.5,
            upshift_inhibit=hhb_ok and hhb["UpshiftInhibitRequest"] >= 0.5,
            turbine_rpm=None if rx.timed_out("ECM_PlantSensors") else rx.signals("ECM_PlantSensors")["TurbineSpeed"],
        ))
        return to_tx(out, self.identity)


def to_tx(out: TcuOutputs, identity: dict[str, float]) -> Tx:
    tx = Tx(cyclic={
        "TCU_Status": {
            "GearActual": float(out.gear_actual),
            "GearTarget": float(out.gear_target),
            "Mode": float(out.mode),
            "ShiftInProgress": float(out.shift_in_progress),
            "ShiftPhase": float(out.phase),
            "ShiftProgress": float(round(out.progress_pct)),
            "ShiftRejectReason": float(out.reject_reason),
            "ConverterLockup": float(out.converter_lockup),
            "InputsLost": float(out.inputs_lost),
            "OilTemp": out.oil_temp_c,
            "OutputSpeed": out.output_rpm,
        },
        "TCU_TorqueRequest": {
            "TorqueLimitRequest": out.torque_limit_nm,
            "InterventionType": float(out.intervention),
            "BlipTargetSpeed": out.blip_target_rpm,
        },
        "TCU_ClutchControl": {"OffgoingPressure": out.offgoing_bar, "OncomingPressure": out.oncoming_bar},
        "TCU_Identity": identity,
    })
    ev = out.shift_event
    if ev is not None:
        tx.events.append(("TCU_ShiftEvent", {
            "FromGear": float(ev.from_gear), "ToGear": float(ev.to_gear),
            "ShiftTimeMs": float(ev.shift_time_ms), "ShiftKind": float(ev.kind), "Trigger": float(ev.trigger),
            "EventCounter": float(ev.counter), "DeadTimeMs": float(ev.dead_time_ms),
            "InertiaPhaseMs": float(ev.inertia_phase_ms),
        }))
    return tx
