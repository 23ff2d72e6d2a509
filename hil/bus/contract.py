"""The CAN contract: every message and signal the nodes, results and tools rely on, with the
physical range each must hold and the value tables matched by value.

A DBC may add messages, signals and table entries; it may never drop, rename, narrow or renumber these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hil.models import enums

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
        "TorqueInterventionActive": FLAG, "EngineStalled": FLAG, "FlightMode": FLAG}),
    # what the plant simulates that is not on this bus in a car: the turbine speed sensor (wired to
    # the TCU) and the true speed over ground (for analysis; the ABS's VehicleSpeed is an estimate)
    "ECM_PlantSensors": ("ECM", 10, True, {"TurbineSpeed": Need(0, 9000), "TrueVehicleSpeed": WHEEL_KPH}),
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
    "TCU_ClutchControl": ("TCU", 10, True, {
        # the shift elements of GearActual (offgoing in a shift) and GearTarget (oncoming)
        "OffgoingPressure": Need(0, 25), "OncomingPressure": Need(0, 25)}),
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

# Value tables that are part of the contract, as name -> integer. Built from the Python enums
# (hil/models/enums.py, the one source of the integers); the codec refuses a DBC that gives any of
# these names another number or uses one of these numbers for another name.
def _table(values: type[enum.IntEnum]) -> dict[str, int]:
    return {member.name: int(member) for member in values}


_GEARS: dict[str, int] = {**_table(enums.Gear), **{str(g): g for g in range(1, enums.MAX_FORWARD_GEAR + 1)}}

ENUMS: dict[tuple[str, str], dict[str, int]] = {
    ("DRV_Controls", "Selector"): _table(enums.Selector),
    ("DRV_Controls", "CentreLockSwitch"): _table(enums.CentreLockSwitch),
    ("TCU_Status", "GearActual"): _GEARS,
    ("TCU_Status", "GearTarget"): _GEARS,
    ("TCU_Status", "Mode"): _table(enums.Mode),
    ("TCU_Status", "ShiftPhase"): _table(enums.ShiftPhase),
    ("TCU_Status", "ShiftRejectReason"): _table(enums.RejectReason),
    ("TCU_TorqueRequest", "InterventionType"): _table(enums.Intervention),
    ("TCU_ShiftEvent", "FromGear"): _GEARS,
    ("TCU_ShiftEvent", "ToGear"): _GEARS,
    ("TCU_ShiftEvent", "ShiftKind"): _table(enums.ShiftKind),
    ("TCU_ShiftEvent", "Trigger"): _table(enums.Trigger),
    ("HHB_Status", "State"): _table(enums.HhbState),
    ("HHB_Status", "FaultCode"): _table(enums.HhbFault),
    ("DCU_Status", "CentreMode"): _table(enums.CentreMode),
    ("DCU_Status", "TransferRange"): _table(enums.TransferRange),
}

# Diagnostics (UDS over ISO-TP, 11-bit normal addressing): message -> (frame ID, sender). Each
# controller has a physical request/response pair; DIAG_Functional (0x7DF) reaches all three.
DIAGNOSTIC: dict[str, tuple[int, str]] = {
    "DIAG_Functional": (0x7DF, "TESTER"),
    "TCU_DiagRequest": (0x7E1, "TESTER"), "TCU_DiagResponse": (0x7E9, "TCU"),
    "HHB_DiagRequest": (0x7E2, "TESTER"), "HHB_DiagResponse": (0x7EA, "HHB"),
    "DCU_DiagRequest": (0x7E3, "TESTER"), "DCU_DiagResponse": (0x7EB, "DCU"),
}
