"""The CAN contract: every message and signal the nodes, results and tools rely on, with the
physical range each must hold and the value tables matched by value.

A DBC may add messages, signals and table entries; it may never drop, rename, narrow or renumber these.
"""

from __future__ import annotations

from dataclasses import dataclass

NODES: tuple[str, ...] = ("DRV", "ECM", "ABS", "TCU", "HHB", "DCU")


@dataclass(frozen=True, slots=True)
class Need:
    """The physical range a signal must carry (its length, scale, offset and declared limits
    must hold `lo..hi`); `whole` signals (flags, enums, counters) must carry whole numbers exactly."""

    lo: float
    hi: float
    whole: bool = False


FLAG = Need(0, 1, whole=True)
GEAR = Need(0, 10, whole=True)  # 0 N, 1..8, 9 R, 10 P
MS = Need(0, 4095, whole=True)
RPM = Need(0, 8000)  # engine 0..limiter, gearbox output up to top speed
WHEEL_KPH = Need(0, 250)  # as fast as a stage's target speed may ask
LOCK_NM = Need(0, 4095)  # the DCU's reported torques (its calibration ranges end here)
IDENTITY = {"CalibrationHash": Need(0, 0xFFFF_FFFF, whole=True), "SwVersionMajor": Need(0, 255, whole=True),
            "SwVersionMinor": Need(0, 255, whole=True), "SwVersionPatch": Need(0, 255, whole=True)}

# message -> (sender, cycle time in ms or None for event messages, E2E protected, signals)
MESSAGES: dict[str, tuple[str, int | None, bool, dict[str, Need]]] = {
    "DRV_Controls": ("DRV", 10, True, {
        "PaddleUp": FLAG, "PaddleDown": FLAG, "Selector": Need(0, 4, whole=True),
        "AccelPedal": Need(0, 100), "BrakePressure": Need(0, 200),  # the stage grammar's limits
        "HandbrakeLever": Need(0, 100), "CentreLockSwitch": FLAG, "LowRangeRequest": FLAG}),
    "ECM_Engine": ("ECM", 10, True, {
        "EngineSpeed": Need(0, 9000), "EngineTorque": Need(-500, 1000), "EngineTorqueMax": Need(0, 1000),
        "TorqueInterventionActive": FLAG, "EngineStalled": FLAG}),
    "ABS_WheelSpeeds": ("ABS", 10, True, {
        "WheelSpeedFL": WHEEL_KPH, "WheelSpeedFR": WHEEL_KPH, "WheelSpeedRL": WHEEL_KPH,
        "WheelSpeedRR": WHEEL_KPH, "VehicleSpeed": WHEEL_KPH}),
    "TCU_Status": ("TCU", 10, True, {
        "GearActual": GEAR, "GearTarget": GEAR, "Mode": FLAG, "ShiftInProgress": FLAG,
        "ShiftPhase": Need(0, 3, whole=True), "ShiftRejectReason": Need(0, 6, whole=True),
        "ConverterLockup": FLAG, "InputsLost": FLAG, "OilTemp": Need(-40, 200), "OutputSpeed": RPM,
        "ShiftProgress": Need(0, 100, whole=True)}),
    "TCU_TorqueRequest": ("TCU", 10, True, {
        # 2047.5 Nm is "no limit" (hil.models.enums.NO_TORQUE_LIMIT_NM)
        "TorqueLimitRequest": Need(0, 2047.5), "InterventionType": Need(0, 2, whole=True),
        "BlipTargetSpeed": RPM}),
    "TCU_ShiftEvent": ("TCU", None, False, {
        "FromGear": GEAR, "ToGear": GEAR, "ShiftTimeMs": MS, "ShiftKind": Need(0, 3, whole=True),
        "Trigger": Need(0, 3, whole=True), "EventCounter": Need(0, 255, whole=True), "DeadTimeMs": MS,
        "InertiaPhaseMs": MS}),
    "HHB_Status": ("HHB", 10, True, {
        "State": Need(0, 4, whole=True), "RearBrakePressure": Need(0, 200), "RearAxleLocked": FLAG,
        "CentreOpenRequest": FLAG, "ConverterOpenRequest": FLAG, "UpshiftInhibitRequest": FLAG,
        "PressureCapped": FLAG, "FaultCode": Need(0, 3, whole=True)}),
    "DCU_Status": ("DCU", 10, True, {
        "CentreCouplingTorque": LOCK_NM, "CentreMode": Need(0, 3, whole=True), "FrontDiffLockTorque": LOCK_NM,
        "RearDiffLockTorque": LOCK_NM, "TransferRange": FLAG, "LowRangeRejected": FLAG}),
    "TCU_Identity": ("TCU", 1000, False, IDENTITY),
    "HHB_Identity": ("HHB", 1000, False, IDENTITY),
    "DCU_Identity": ("DCU", 1000, False, IDENTITY),
}

_GEARS = {"N": 0, **{str(g): g for g in range(1, 9)}, "R": 9, "P": 10}

# Value tables, by value: the DBC must give each of these values this name (hil.models.enums agrees).
CHOICES: dict[tuple[str, str], dict[str, int]] = {
    ("DRV_Controls", "Selector"): {"P": 0, "R": 1, "N": 2, "D": 3, "M": 4},
    ("DRV_Controls", "CentreLockSwitch"): {"AUTO": 0, "LOCK": 1},
    ("TCU_Status", "GearActual"): _GEARS,
    ("TCU_Status", "GearTarget"): _GEARS,
    ("TCU_Status", "Mode"): {"D": 0, "M": 1},
    ("TCU_Status", "ShiftPhase"): {"IDLE": 0, "FILL": 1, "TORQUE": 2, "INERTIA": 3},
    ("TCU_Status", "ShiftRejectReason"): {
        "NONE": 0, "OVERREV": 1, "UNDERREV": 2, "LIMIT": 3, "INTERLOCK": 4, "OVERTEMP": 5, "INPUT_LOST": 6},
    ("TCU_TorqueRequest", "InterventionType"): {"NONE": 0, "UPSHIFT_CUT": 1, "DOWNSHIFT_BLIP": 2},
    ("TCU_ShiftEvent", "FromGear"): _GEARS,
    ("TCU_ShiftEvent", "ToGear"): _GEARS,
    ("TCU_ShiftEvent", "ShiftKind"): {"POWER_ON_UP": 0, "POWER_OFF_UP": 1, "POWER_ON_DOWN": 2, "POWER_OFF_DOWN": 3},
    ("TCU_ShiftEvent", "Trigger"): {"PADDLE": 0, "SCHEDULE": 1, "KICKDOWN": 2, "LIMITER": 3},
    ("HHB_Status", "State"): {"OFF": 0, "APPLYING": 1, "LOCKED": 2, "RELEASING": 3, "FAULT": 4},
    ("HHB_Status", "FaultCode"): {"NONE": 0, "LEVER_TIMEOUT": 1, "LEVER_IMPLAUSIBLE": 2, "SPEED_TIMEOUT": 3},
    ("DCU_Status", "CentreMode"): {"OPEN": 0, "AUTO": 1, "LOCKED": 2, "HANDBRAKE_OPEN": 3},
    ("DCU_Status", "TransferRange"): {"HIGH": 0},
}
