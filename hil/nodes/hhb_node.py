"""HHB node: the hydraulic handbrake controller, from DRV/ABS/ECM/DCU frames to `HHB_Status`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.bus.e2e import E2EStatus
from hil.models.enums import CentreMode, Gear
from hil.models.handbrake import Hhb, HhbInputs
from hil.nodes.identity import identity_signals
from hil.runtime.node import RxView, Tx

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet

PERIOD_NS = 10_000_000


class HhbNode:
    name = "HHB"
    nodes: tuple[str, ...] = ("HHB",)
    period_ns = PERIOD_NS
    accepts = frozenset({"hhb"})

    def __init__(self, model: Hhb, calibration_hash32: int) -> None:
        self.model = model
        self.identity = identity_signals(calibration_hash32)

    def apply_calibration(self, values: CalibrationSet) -> None:
        self.model.cal = values.hhb  # the HHB derives nothing from its calibration: thresholds read per step

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv, abs_, dcu = rx.signals("DRV_Controls"), rx.signals("ABS_WheelSpeeds"), rx.signals("DCU_Status")
        # The session drops frames failing E2E, so `signals` only ever holds good values; a bad
        # latest frame (or none for a while) makes the lever unusable and, held, a fault.
        lever_ok = not rx.timed_out("DRV_Controls") and rx.last_status("DRV_Controls").usable
        speeds_ok = not rx.timed_out("ABS_WheelSpeeds") and not rx.timed_out("ECM_Engine")
        seen = [rx.last_status(m) is not E2EStatus.NO_DATA for m in ("ABS_WheelSpeeds", "ECM_Engine")]
        centre_open = (not rx.timed_out("DCU_Status")
                       and int(dcu["CentreMode"]) == CentreMode.HANDBRAKE_OPEN
                       and dcu["CentreCouplingTorque"] <= self.model.cal.centre_open_torque_nm)
        out = self.model.step(now_ns, HhbInputs(
            lever_pct=drv["HandbrakeLever"],
            lever_ok=lever_ok,
            lever_seen=rx.last_status("DRV_Controls") is not E2EStatus.NO_DATA,
            speeds_ok=speeds_ok,
            speeds_seen=any(seen),
            rear_wheel_kph=(abs_["WheelSpeedRL"], abs_["WheelSpeedRR"]),
            vehicle_kph=abs_["VehicleSpeed"],
            centre_open=centre_open,
            reverse=not rx.timed_out("TCU_Status") and int(rx.signals("TCU_Status")["GearActual"]) == Gear.R,
        ))
        return Tx(cyclic={
            "HHB_Status": {
                "State": float(out.state),
                "FaultCode": float(out.fault),
                "RearBrakePressure": out.pressure_bar,
                "RearAxleLocked": float(out.rear_axle_locked),
                "CentreOpenRequest": float(out.centre_open_request),
                "ConverterOpenRequest": float(out.converter_open_request),
                "UpshiftInhibitRequest": float(out.upshift_inhibit_request),
                "PressureCapped": float(out.pressure_capped),
            },
            "HHB_Identity": self.identity,
        })
