"""ECM + ABS nodes: the plant (sub-stepped inside each 10 ms step) and the ABS/ESC unit, reading
TCU, HHB, DCU and DRV frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.models.abs import Abs, AbsInputs, AbsOutputs
from hil.models.driveline import DrivelineInputs
from hil.models.enums import NO_TORQUE_LIMIT_NM, Intervention
from hil.models.flight_mode import FlightMode
from hil.models.plant import Plant, PlantInputs, PlantOutputs
from hil.models.world import StageSource
from hil.runtime.node import RxView, Tx

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet

PERIOD_NS = 10_000_000


class PlantNode:
    name = "PLANT"
    nodes: tuple[str, ...] = ("ECM", "ABS")
    period_ns = PERIOD_NS
    accepts = frozenset({"engine", "driveline", "vehicle", "hardware"})

    def __init__(self, model: Plant, stage: StageSource) -> None:
        self.model = model
        self.stage = stage
        self.abs = Abs(model.vcal.abs, model.vcal.traction())  # the ABS/ESC unit, on the plant's wheels
        self._abs_out: AbsOutputs | None = None  # its commands for the next plant step
        self.flight = FlightMode()  # the ECM's Flight Mode (rally)
        self._flight_cap_nm = NO_TORQUE_LIMIT_NM

    def apply_calibration(self, values: CalibrationSet) -> None:
        for section in (values.engine, values.driveline, values.vehicle, values.hardware):
            self.model.set_calibration(section)
        self.abs.set_calibration(values.vehicle.abs, values.vehicle.traction())

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv = rx.signals("DRV_Controls")
        drv_ok = not rx.timed_out("DRV_Controls")
        req = rx.signals("TCU_TorqueRequest")
        req_ok = not rx.timed_out("TCU_TorqueRequest")
        brake_bar = drv["BrakePressure"] if drv_ok else 0.0
        handbrake_bar = rx.signals("HHB_Status")["RearBrakePressure"] if not rx.timed_out("HHB_Status") else 0.0
        esc = self._abs_out
        tcu_limit = req["TorqueLimitRequest"] if req_ok else NO_TORQUE_LIMIT_NM
        out = self.model.step(now_ns, PlantInputs(
            accel_pct=drv["AccelPedal"] if drv_ok else 0.0,
            front_brake_bar=esc.front_brake_bar if esc is not None else brake_bar,
            rear_brake_bar=esc.rear_brake_bar if esc is not None else brake_bar,
            handbrake_bar=handbrake_bar,
            driveline=_driveline(rx),
            torque_limit_nm=min(tcu_limit, self._flight_cap_nm, esc.torque_limit_nm if esc is not None else tcu_limit),
            intervention=int(req["InterventionType"]) if req_ok else Intervention.NONE,
            blip_target_rpm=req["BlipTargetSpeed"] if req_ok else 0.0,
            grade_pct=self.stage.value("grade_pct", now_ns),
            surfaces=self.stage.surface(now_ns),
            airborne_pct=self.stage.value("airborne_pct", now_ns),
        ))
        # the ABS/ESC unit reads its wheel sensors now; its valves act on the next step
        self._abs_out = self.abs.step(now_ns, AbsInputs(out.wheel_kph, brake_bar, handbrake_bar > 0.5,
                                                        out.engine_torque_max_nm, out.accel_mps2))
        self._flight_cap_nm = self.flight.step(now_ns, self.model.ecal, out.wheel_kph, self._abs_out.reference_kph,
                                               out.accel_mps2)
        return self._frames(out, self._abs_out.reference_kph)

    def _frames(self, out: PlantOutputs, abs_reference_kph: float) -> Tx:
        fl, fr, rl, rr = out.wheel_kph
        return Tx(cyclic={
            "ECM_Engine": {
                "EngineSpeed": min(out.engine_rpm, 16383.0),
                "EngineTorque": max(-500.0, min(out.engine_torque_nm, 1547.0)),
                "EngineTorqueMax": min(out.engine_torque_max_nm, 1023.0),
                "TorqueInterventionActive": float(out.intervention_active),
                "EngineStalled": float(out.stalled),
                "FlightMode": float(self.flight.active),
            },
            "ECM_PlantSensors": {"TurbineSpeed": min(out.turbine_rpm, 16383.0),
                                 "TrueVehicleSpeed": min(abs(out.vehicle_kph), 255.9375)},
            "ABS_WheelSpeeds": {
                "WheelSpeedFL": min(fl, 255.75), "WheelSpeedFR": min(fr, 255.75),
                "WheelSpeedRL": min(rl, 255.75), "WheelSpeedRR": min(rr, 255.75),
                "VehicleSpeed": min(abs_reference_kph, 255.9375),
            },
        })


def _driveline(rx: RxView) -> DrivelineInputs:
    """What the TCU and DCU command. A lost TCU means no gear engaged and no clutch pressure (the
    box falls to neutral), a lost DCU an open centre and open axle diffs (the actuators' fail-safe)."""
    tcu = rx.signals("TCU_Status")
    clutch = rx.signals("TCU_ClutchControl")
    dcu = rx.signals("DCU_Status")
    tcu_ok = not rx.timed_out("TCU_Status") and not rx.timed_out("TCU_ClutchControl")
    dcu_ok = not rx.timed_out("DCU_Status")
    return DrivelineInputs(
        gear_actual=int(tcu["GearActual"]) if tcu_ok else 0,
        gear_target=int(tcu["GearTarget"]) if tcu_ok else 0,
        offgoing_bar=clutch["OffgoingPressure"] if tcu_ok else 0.0,
        oncoming_bar=clutch["OncomingPressure"] if tcu_ok else 0.0,
        lockup=tcu_ok and tcu["ConverterLockup"] >= 0.5,
        centre_nm=dcu["CentreCouplingTorque"] if dcu_ok else 0.0,
        front_lock_nm=dcu["FrontDiffLockTorque"] if dcu_ok else 0.0,
        rear_lock_nm=dcu["RearDiffLockTorque"] if dcu_ok else 0.0,
    )
