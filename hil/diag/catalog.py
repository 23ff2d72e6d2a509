"""What each emulated controller offers a tester: its DTCs (with the monitor that tests each one)
and its live DIDs (with their encoding). The README's DTC and DID tables are this file.

Monitors judge what the controller itself sees (its received frames, its own outputs), so a
fault injected on the bus sets the DTC a real controller would set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hil.bus.codec import Signals
from hil.bus.e2e import E2EStatus
from hil.config.calibration import CalibrationSet
from hil.diag.dtc import DtcInfo
from hil.runtime.node import RxView

# Inputs of one monitor: what the node received, and the latest values of the messages it sent.
Monitor = Callable[[RxView, Mapping[str, Signals]], bool]
Encoder = Callable[[Mapping[str, Signals], int], bytes]  # (latest sent values, shift count) -> DID bytes


@dataclass(frozen=True, slots=True)
class DtcDef:
    info: DtcInfo
    failed: Monitor


@dataclass(frozen=True, slots=True)
class LiveDid:
    did: int
    name: str
    encoding: str  # for the README table
    read: Encoder


@dataclass(frozen=True, slots=True)
class NodeDiag:
    node: str
    request_id: int
    response_id: int
    dtcs: tuple[DtcDef, ...]
    dids: tuple[LiveDid, ...]


def lost(message: str) -> Monitor:
    """Failed while `message` has timed out after having been received (a never-seen message at
    power-up is not yet a lost one)."""
    return lambda rx, _sent: rx.timed_out(message) and rx.last_status(message) is not E2EStatus.NO_DATA


def _sent_value(message: str, signal: str, equals: float) -> Monitor:
    return lambda _rx, sent: sent.get(message, {}).get(signal) == equals


def _u(value: float, size: int, scale: float = 1.0, offset: float = 0.0) -> bytes:
    """A physical value as the unsigned big-endian raw integer (value - offset) / scale."""
    raw = round((value - offset) / scale)
    return min(max(raw, 0), (1 << (8 * size)) - 1).to_bytes(size, "big")


def _signal(message: str, signal: str, size: int, scale: float = 1.0, offset: float = 0.0) -> Encoder:
    return lambda sent, _shifts: _u(sent.get(message, {}).get(signal, 0.0), size, scale, offset)


def _at_least(message: str, signal: str, threshold: float) -> Monitor:
    return lambda _rx, sent: sent.get(message, {}).get(signal, threshold - 1.0) >= threshold


def tcu(limp_c: float) -> NodeDiag:
    """The TCU's diagnostics; `limp_c` is the calibrated oil temperature that forces limp mode."""
    dtcs = (
        DtcDef(DtcInfo(0xC10000, "ecm_input_lost", "Lost communication with ECM (ECM_Engine timed out)"),
               lost("ECM_Engine")),
        DtcDef(DtcInfo(0xC12100, "abs_input_lost", "Lost communication with ABS (ABS_WheelSpeeds timed out)"),
               lost("ABS_WheelSpeeds")),
        DtcDef(DtcInfo(0x021800, "over_temperature", "Transmission fluid over temperature: oil at or above the "
                       "limp threshold (tcu.thermal.limp_c)"), _at_least("TCU_Status", "OilTemp", limp_c)),
    )
    dids = (
        LiveDid(0x0101, "gear", "1 byte: TCU_Status.GearActual (0 N, 1-8, 9 R, 10 P, 15 shifting)",
                _signal("TCU_Status", "GearActual", 1)),
        LiveDid(0x0102, "oil_temperature", "1 byte: degC + 40 (as TCU_Status.OilTemp)",
                _signal("TCU_Status", "OilTemp", 1, offset=-40.0)),
        LiveDid(0x0103, "shift_count", "2 bytes big-endian: shifts since power-up or ECU reset",
                lambda _sent, shifts: _u(shifts, 2)),
    )
    return NodeDiag("TCU", 0x7E1, 0x7E9, dtcs, dids)

HHB = NodeDiag("HHB", 0x7E2, 0x7EA, (
    DtcDef(DtcInfo(0xD10000, "lever_timeout", "Handbrake lever signal lost (DRV_Controls timed out or failed E2E)"),
           _sent_value("HHB_Status", "FaultCode", 1.0)),
    DtcDef(DtcInfo(0x510129, "lever_implausible", "Handbrake lever travel implausible (outside its calibrated range)"),
           _sent_value("HHB_Status", "FaultCode", 2.0)),
    DtcDef(DtcInfo(0xD12100, "speed_input_lost", "Speed inputs lost (ABS_WheelSpeeds or ECM_Engine timed out)"),
           _sent_value("HHB_Status", "FaultCode", 3.0)),
), (
    LiveDid(0x0201, "state", "1 byte: HHB_Status.State (0 OFF, 1 APPLYING, 2 LOCKED, 3 RELEASING, 4 FAULT)",
            _signal("HHB_Status", "State", 1)),
    LiveDid(0x0202, "rear_pressure", "2 bytes big-endian: bar / 0.05",
            _signal("HHB_Status", "RearBrakePressure", 2, scale=0.05)),
    LiveDid(0x0203, "fault_code", "1 byte: HHB_Status.FaultCode (0 NONE, 1 LEVER_TIMEOUT, 2 LEVER_IMPLAUSIBLE, "
            "3 SPEED_TIMEOUT)", _signal("HHB_Status", "FaultCode", 1)),
))

DCU = NodeDiag("DCU", 0x7E3, 0x7EB, (
    DtcDef(DtcInfo(0xC12100, "abs_input_lost", "Lost communication with ABS (ABS_WheelSpeeds timed out)"),
           lost("ABS_WheelSpeeds")),
    DtcDef(DtcInfo(0xC10000, "ecm_input_lost", "Lost communication with ECM (ECM_Engine timed out)"),
           lost("ECM_Engine")),
    DtcDef(DtcInfo(0xC10100, "tcu_input_lost", "Lost communication with TCU (TCU_Status timed out)"),
           lost("TCU_Status")),
    DtcDef(DtcInfo(0xD10000, "drv_input_lost", "Driver controls lost (DRV_Controls timed out)"),
           lost("DRV_Controls")),
    DtcDef(DtcInfo(0xD10200, "hhb_input_lost", "Lost communication with HHB (HHB_Status timed out)"),
           lost("HHB_Status")),
), (
    LiveDid(0x0301, "centre_mode", "1 byte: DCU_Status.CentreMode (0 OPEN, 1 AUTO, 2 LOCKED, 3 HANDBRAKE_OPEN)",
            _signal("DCU_Status", "CentreMode", 1)),
    LiveDid(0x0302, "centre_torque", "2 bytes big-endian: centre coupling torque, Nm",
            _signal("DCU_Status", "CentreCouplingTorque", 2)),
    LiveDid(0x0303, "front_lock_torque", "2 bytes big-endian: front diff lock torque, Nm",
            _signal("DCU_Status", "FrontDiffLockTorque", 2)),
    LiveDid(0x0304, "rear_lock_torque", "2 bytes big-endian: rear diff lock torque, Nm",
            _signal("DCU_Status", "RearDiffLockTorque", 2)),
))

def catalog(limp_c: float = 135.0) -> dict[str, NodeDiag]:
    """Every emulated controller's diagnostics, by DBC node name."""
    return {d.node: d for d in (tcu(limp_c), HHB, DCU)}


def for_calibration(node: str, values: CalibrationSet) -> NodeDiag:
    """A node's diagnostics with the thresholds of this calibration (a live write moves them too)."""
    return catalog(values.tcu.thermal.limp_c)[node]
