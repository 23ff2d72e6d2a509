"""Enumerations shared by models and the DBC value tables (same integers as the VAL_ tables)."""

from __future__ import annotations

import enum


class Selector(enum.IntEnum):
    P = 0
    R = 1
    N = 2
    D = 3
    M = 4


class Gear(enum.IntEnum):
    """TCU_Status.GearActual/GearTarget: 0 = N, 1..8 forward gears."""

    N = 0
    R = 9
    P = 10
    SHIFTING = 15


class Mode(enum.IntEnum):
    D = 0
    M = 1


class ShiftPhase(enum.IntEnum):
    IDLE = 0
    FILL = 1
    TORQUE = 2
    INERTIA = 3


class RejectReason(enum.IntEnum):
    NONE = 0
    OVERREV = 1
    UNDERREV = 2
    LIMIT = 3
    INTERLOCK = 4
    OVERTEMP = 5
    INPUT_LOST = 6


class Intervention(enum.IntEnum):
    NONE = 0
    UPSHIFT_CUT = 1
    DOWNSHIFT_BLIP = 2


class ShiftKind(enum.IntEnum):
    POWER_ON_UP = 0
    POWER_OFF_UP = 1
    POWER_ON_DOWN = 2
    POWER_OFF_DOWN = 3


class Trigger(enum.IntEnum):
    PADDLE = 0
    SCHEDULE = 1
    KICKDOWN = 2
    LIMITER = 3


class HhbState(enum.IntEnum):
    OFF = 0
    APPLYING = 1
    LOCKED = 2
    RELEASING = 3
    FAULT = 4


class HhbFault(enum.IntEnum):
    NONE = 0
    LEVER_TIMEOUT = 1
    LEVER_IMPLAUSIBLE = 2
    SPEED_TIMEOUT = 3


class CentreMode(enum.IntEnum):
    OPEN = 0
    AUTO = 1
    LOCKED = 2
    HANDBRAKE_OPEN = 3


NO_TORQUE_LIMIT_NM = 2047.5  # TCU_TorqueRequest.TorqueLimitRequest at full scale = no limit
