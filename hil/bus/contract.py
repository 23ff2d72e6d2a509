"""The CAN contract: message and signal names that rigs, stages and external tools rely on.

A DBC may add messages and signals; it may never drop or rename these.
"""

from __future__ import annotations

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

# Enumerations whose value names are part of the contract.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("DRV_Controls", "Selector"): ("P", "R", "N", "D", "M"),
    ("DRV_Controls", "CentreLockSwitch"): ("AUTO", "LOCK"),
    ("TCU_Status", "Mode"): ("D", "M"),
    ("TCU_Status", "ShiftPhase"): ("IDLE", "FILL", "TORQUE", "INERTIA"),
    ("TCU_Status", "ShiftRejectReason"): (
        "NONE", "OVERREV", "UNDERREV", "LIMIT", "INTERLOCK", "OVERTEMP"),
    ("TCU_TorqueRequest", "InterventionType"): ("NONE", "UPSHIFT_CUT", "DOWNSHIFT_BLIP"),
    ("TCU_ShiftEvent", "ShiftKind"): (
        "POWER_ON_UP", "POWER_OFF_UP", "POWER_ON_DOWN", "POWER_OFF_DOWN"),
    ("TCU_ShiftEvent", "Trigger"): ("PADDLE", "SCHEDULE", "KICKDOWN", "LIMITER"),
    ("HHB_Status", "State"): ("OFF", "APPLYING", "LOCKED", "RELEASING", "FAULT"),
    ("HHB_Status", "FaultCode"): ("NONE", "LEVER_TIMEOUT", "LEVER_IMPLAUSIBLE", "SPEED_TIMEOUT"),
    ("DCU_Status", "CentreMode"): ("OPEN", "AUTO", "LOCKED", "HANDBRAKE_OPEN"),
    ("DCU_Status", "TransferRange"): ("HIGH",),
}

# Diagnostics (UDS over ISO-TP, 11-bit normal addressing): message -> (frame ID, sender). Each
# controller has a physical request/response pair; DIAG_Functional (0x7DF) reaches all three.
DIAGNOSTIC: dict[str, tuple[int, str]] = {
    "DIAG_Functional": (0x7DF, "TESTER"),
    "TCU_DiagRequest": (0x7E1, "TESTER"), "TCU_DiagResponse": (0x7E9, "TCU"),
    "HHB_DiagRequest": (0x7E2, "TESTER"), "HHB_DiagResponse": (0x7EA, "HHB"),
    "DCU_DiagRequest": (0x7E3, "TESTER"), "DCU_DiagResponse": (0x7EB, "DCU"),
}
