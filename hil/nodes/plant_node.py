"""ECM + ABS nodes: the plant, stepped every millisecond, reporting on its 10 ms frames."""

from __future__ import annotations

from hil.models.enums import NO_TORQUE_LIMIT_NM
from hil.models.plant import Plant, PlantInputs
from hil.runtime.node import RxView, Tx
from hil.stage.timeline import Timeline

PERIOD_NS = 10_000_000
SUBSTEPS = 10


class PlantNode:
    name = "PLANT"
    nodes: tuple[str, ...] = ("ECM", "ABS")
    period_ns = PERIOD_NS

    def __init__(self, model: Plant, stage: Timeline) -> None:
        self.model = model
        self.stage = stage

    def step(self, now_ns: int, rx: RxView) -> Tx:
        drv = rx.signals("DRV_Controls")
        tcu = rx.signals("TCU_Status")
        req = rx.signals("TCU_TorqueRequest")
        hhb = rx.signals("HHB_Status")
        gear = int(tcu["GearActual"]) if not rx.timed_out("TCU_Status") else 0
        inputs = PlantInputs(
            accel_pct=drv["AccelPedal"] if not rx.timed_out("DRV_Controls") else 0.0,
            brake_bar=drv["BrakePressure"],
            rear_brake_bar=hhb["RearBrakePressure"] if not rx.timed_out("HHB_Status") else 0.0,
            gear=gear if 1 <= gear <= 8 else 0,
            torque_limit_nm=req["TorqueLimitRequest"] if not rx.timed_out("TCU_TorqueRequest") else NO_TORQUE_LIMIT_NM,
            grade_pct=self.stage.value("grade_pct", now_ns),
        )
        dt = PERIOD_NS / SUBSTEPS / 1e9
        for _ in range(SUBSTEPS):
            out = self.model.step(dt, inputs)
        fl, fr, rl, rr = out.wheel_kph
        return Tx(cyclic={
            "ECM_Engine": {
                "EngineSpeed": out.engine_rpm,
                "EngineTorque": out.engine_torque_nm,
                "EngineTorqueMax": out.engine_torque_max_nm,
                "TorqueInterventionActive": float(out.intervention_active),
                "EngineStalled": 0.0,
            },
            "ABS_WheelSpeeds": {
                "WheelSpeedFL": fl, "WheelSpeedFR": fr, "WheelSpeedRL": rl, "WheelSpeedRR": rr,
                "VehicleSpeed": out.vehicle_kph,
            },
        })
