"""The CAN contract: message and signal names that rigs, stages and external tools rely on.

A DBC may add messages and signals; it may never drop or rename these.
"""

from __future__ import annotations

import enum

from hil.models import enums

NODES: tuple[str, ...] = ("DRV", "ECM", "ABS", "TCU", "HHB", "DCU")

# message -> (sender, cycle time in ms or None for event messages, E2E protected, signals)
MESSAGES: dict[str, tuple[str, int | None, bool, tuple[str, ...]]] = {
    "DRV_Controls": ("DRV", 10, True, (
        "PaddleUp", "PaddleDown", "Selector", "AccelPedal", "BrakePressure",
        "HandbrakeLever", "CentreLockSwitch", "LowRangeRequest")),
    "ECM_Engine": ("ECM", 10, True, (
        "EngineSpeed", "EngineTorque", "EngineTorqueMax", "TorqueInterventionActive")),
    "ABS_WheelSpeeds": ("ABS", 10, True, (
        "WheelSpeedFL", "WheelSpeedFR", "WheelSpeedRL", "WheelSpeedRR", "VehicleSpeed")),
    "TCU_Status": ("TCU", 10, True, (
        "GearActual", "GearTarget", "Mode", "ShiftInProgress", "ShiftPhase",
        "ShiftRejectReason", "OilTemp", "OutputSpeed")),
    "TCU_TorqueRequest": ("TCU", 10, True, (
        "TorqueLimitRequest", "InterventionType", "BlipTargetSpeed")),
    "TCU_ShiftEvent": ("TCU", None, False, (
        "FromGear", "ToGear", "ShiftTimeMs", "ShiftKind", "Trigger")),
    "HHB_Status": ("HHB", 10, True, (
        "State", "RearBrakePressure", "RearAxleLocked", "CentreOpenRequest", "FaultCode")),
    "DCU_Status": ("DCU", 10, True, (
        "CentreCouplingTorque", "CentreMode", "FrontDiffLockTorque", "RearDiffLockTorque",
        "TransferRange", "LowRangeRejected")),
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
