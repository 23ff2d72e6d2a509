"""DCU node: centre coupling, axle diffs and transfer box, from DRV/HHB/ABS/ECM/TCU frames to `DCU_Status`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.models.dcu import Dcu, DcuInputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet

PERIOD_NS = 10_000_000


class DcuNode:
    name = "DCU"
    nodes: tuple[str, ...] = ("DCU",)
    period_ns = PERIOD_NS
    accepts = frozenset({"dcu", "hardware", "driveline"})

    def __init__(self, model: Dcu, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)

    def apply_calibration(self, values: CalibrationSet) -> None:
        self.model.set_calibration(values.dcu)
        self.model.set_calibration(values.hardware)
        self.model.set_calibration(values.driveline)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv, hhb = rx.signals("DRV_Controls"), rx.signals("HHB_Status")
        abs_, ecm, tcu = rx.signals("ABS_WheelSpeeds"), rx.signals("ECM_Engine"), rx.signals("TCU_Status")
        drv_ok = not rx.timed_out("DRV_Controls")
        abs_ok = not rx.timed_out("ABS_WheelSpeeds")
        wheels = (abs_["WheelSpeedFL"], abs_["WheelSpeedFR"], abs_["WheelSpeedRL"], abs_["WheelSpeedRR"])
        out = self.model.step(now_ns, DcuInputs(
            lock_switch=drv_ok and drv["CentreLockSwitch"] >= 0.5,
            centre_open_request=not rx.timed_out("HHB_Status") and hhb["CentreOpenRequest"] >= 0.5,
            low_range_request=drv_ok and drv["LowRangeRequest"] >= 0.5,
            accel_pct=drv["AccelPedal"] if drv_ok else 0.0,
            wheel_kph=wheels if abs_ok else None,
            vehicle_kph=abs_["VehicleSpeed"] if abs_ok else 0.0,
            engine_torque_nm=ecm["EngineTorque"] if not rx.timed_out("ECM_Engine") else 0.0,
            gear=int(tcu["GearActual"]) if not rx.timed_out("TCU_Status") else 0,
            engine_rpm=ecm["EngineSpeed"],
            turbine_rpm=None if rx.timed_out("ECM_PlantSensors") else rx.signals("ECM_PlantSensors")["TurbineSpeed"],
            lockup=rx.timed_out("TCU_Status") or tcu["ConverterLockup"] >= 0.5,
        ))
        return Tx(cyclic={
            "DCU_Status": {
                "CentreMode": float(out.mode),
                "CentreCouplingTorque": out.centre_nm,
                "FrontDiffLockTorque": out.front_lock_nm,
                "RearDiffLockTorque": out.rear_lock_nm,
                "TransferRange": 0.0,  # HIGH: the D7X-R has no low range
                "LowRangeRejected": float(out.low_range_rejected),
            },
            "DCU_Identity": self.identity,
        })
