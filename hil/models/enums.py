"""Enumerations shared by the models and the DBC's value tables: the one source of their integers.

Why Python enums rather than classes generated from the DBC at load: the models are pure (they
read no files) and typed (`mypy --strict` must see `Gear.R`, not a name looked up at run time), so
the integers are written once, here. The DBC is held to them instead: `hil.bus.contract.ENUMS`
names the enum each contract signal carries, and `Codec.load` refuses a DBC whose `VAL_` table
gives any of these names another number (file, `message.signal`, the differing values). A DBC may
add values; it may never move one. Tests compare every value, not just the names.
"""

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


MAX_FORWARD_GEAR = 8  # gear signals carry forward gears 1..8 as their number (VAL_ "1".."8")


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


class CentreLockSwitch(enum.IntEnum):
    AUTO = 0
    LOCK = 1


class TransferRange(enum.IntEnum):
    HIGH = 0
    LOW = 1  # on the wire for the production box; the D7X-R never reports it (low range removed)


class CentreMode(enum.IntEnum):
    OPEN = 0
    AUTO = 1
    LOCKED = 2
    HANDBRAKE_OPEN = 3


NO_TORQUE_LIMIT_NM = 2047.5  # TCU_TorqueRequest.TorqueLimitRequest at full scale = no limit
