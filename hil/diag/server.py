"""UDS (ISO 14229-1) server of one emulated controller: services, sessions, NRCs, DIDs, DTCs.

Pure: a request payload and the time in, a response payload (or None) out. Requests are parsed
and responses built with udsoncan's `Request`/`Response`; what the server does to its node
(reset, stop its frames, live values, "vehicle moving?") goes through `NodeHooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from udsoncan.BaseService import BaseService
from udsoncan.Request import Request
from udsoncan.Response import Response
from udsoncan.services.ClearDiagnosticInformation import ClearDiagnosticInformation
from udsoncan.services.CommunicationControl import CommunicationControl
from udsoncan.services.DiagnosticSessionControl import DiagnosticSessionControl
from udsoncan.services.ECUReset import ECUReset
from udsoncan.services.ReadDataByIdentifier import ReadDataByIdentifier
from udsoncan.services.ReadDTCInformation import ReadDTCInformation
from udsoncan.services.TesterPresent import TesterPresent

from hil.diag.dtc import AVAILABILITY_MASK, DtcStore

DEFAULT_SESSION, EXTENDED_SESSION = 0x01, 0x03
P2_MS, P2_STAR_MS = 50, 5_000  # announced in the DiagnosticSessionControl response
S3_NS = 5_000_000_000  # a non-default session falls back after 5 s without a request
MAX_DIDS_PER_REQUEST = 16
DTC_FORMAT_ISO14229 = 0x01
ALL_GROUPS = 0xFFFFFF

NRC_SERVICE_NOT_SUPPORTED = 0x11
NRC_SUBFUNCTION_NOT_SUPPORTED = 0x12
NRC_WRONG_LENGTH = 0x13
NRC_CONDITIONS_NOT_CORRECT = 0x22
NRC_REQUEST_OUT_OF_RANGE = 0x31
NRC_NOT_IN_ACTIVE_SESSION = 0x7F
# ISO 14229-1 7.5: a functionally addressed request gets no answer with these codes
_QUIET_WHEN_FUNCTIONAL = frozenset({0x11, 0x12, 0x31, 0x7E, 0x7F})


class NodeHooks(Protocol):
    """What a UDS server may ask of, or do to, the controller it belongs to."""

    def conditions_ok(self) -> bool:
        """Safe to reset or silence the controller now (e.g. the vehicle is at a standstill)."""
        ...

    def hard_reset(self) -> None: ...

    def set_normal_tx(self, enabled: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class Identity:
    vin: str  # 17 ASCII characters, from the rig
    software_version: str
    serial: str
    calibration_sha256: bytes  # 32 bytes; 0xF1A0 carries the first 8

    def __post_init__(self) -> None:
        if len(self.vin) != 17 or not self.vin.isascii():
            raise ValueError(f"VIN must be 17 ASCII characters, got {self.vin!r}")
        if len(self.calibration_sha256) != 32:
            raise ValueError("calibration_sha256 must be 32 bytes")


LiveDid = Callable[[], bytes]


@dataclass
class _NegativeResponseError(Exception):
    code: int


@dataclass
class UdsServer:
    identity: Identity
    dtcs: DtcStore
    hooks: NodeHooks
    live_dids: Mapping[int, LiveDid] = field(default_factory=dict)
    session: int = DEFAULT_SESSION
    tx_enabled: bool = True
    _last_request_ns: int = 0
    _reset_pending: bool = False

    def __post_init__(self) -> None:
        ident = self.identity
        self.dids: dict[int, LiveDid] = {
            0xF190: lambda: ident.vin.encode("ascii"),
            0xF188: lambda: ident.software_version.encode("ascii"),
            0xF18C: lambda: ident.serial.encode("ascii"),
            0xF1A0: lambda: ident.calibration_sha256[:8],
            **self.live_dids,
        }
        self._handlers: dict[int, tuple[type[BaseService], Callable[[bytes], bytes]]] = {
            0x10: (DiagnosticSessionControl, self._session_control),
            0x3E: (TesterPresent, self._tester_present),
            0x11: (ECUReset, self._ecu_reset),
            0x22: (ReadDataByIdentifier, self._read_did),
            0x19: (ReadDTCInformation, self._read_dtc),
            0x14: (ClearDiagnosticInformation, self._clear_dtc),
            0x28: (CommunicationControl, self._communication_control),
        }

    # ---- entry points ------------------------------------------------------------------

    def handle(self, payload: bytes, now_ns: int, *, functional: bool = False) -> bytes | None:
        """The response to one request (None: no response is due)."""
        if not payload:
            return None
        self._last_request_ns = now_ns
        sid = payload[0]
        entry = self._handlers.get(sid)
        if entry is None:
            return None if functional else bytes((0x7F, sid, NRC_SERVICE_NOT_SUPPORTED))
        service, handler = entry
        request = Request.from_payload(payload)
        try:
            if sid == 0x28 and self.session == DEFAULT_SESSION:
                raise _NegativeResponseError(NRC_NOT_IN_ACTIVE_SESSION)
            data = handler(payload)
        except _NegativeResponseError as nrc:
            if functional and nrc.code in _QUIET_WHEN_FUNCTIONAL:
                return None
            return Response(service, nrc.code).get_payload()
        if service.use_subfunction() and request.suppress_positive_response:
            return None
        return Response(service, Response.Code.PositiveResponse, data).get_payload()

    def after_response(self) -> None:
        """Effects that follow the response on the wire (ECUReset resets after answering)."""
        if self._reset_pending:
            self._reset_pending = False
            self.hooks.hard_reset()
            self.dtcs.new_operation_cycle()
            self._to_default()

    def poll(self, now_ns: int) -> None:
        """S3: a non-default session left without requests for 5 s falls back to default."""
        if self.session != DEFAULT_SESSION and now_ns - self._last_request_ns >= S3_NS:
            self._to_default()

    def next_due_ns(self) -> int | None:
        return None if self.session == DEFAULT_SESSION else self._last_request_ns + S3_NS

    def _to_default(self) -> None:
        self.session = DEFAULT_SESSION
        if not self.tx_enabled:
            self.tx_enabled = True
            self.hooks.set_normal_tx(True)

    # ---- services (each returns the positive response data after the SID) ---------------

    @staticmethod
    def _subfunction(payload: bytes, exact_len: int, supported: tuple[int, ...]) -> int:
        if len(payload) < 2:
            raise _NegativeResponseError(NRC_WRONG_LENGTH)
        sub = payload[1] & 0x7F
        if sub not in supported:
            raise _NegativeResponseError(NRC_SUBFUNCTION_NOT_SUPPORTED)
        if len(payload) != exact_len:
            raise _NegativeResponseError(NRC_WRONG_LENGTH)
        return sub

    def _session_control(self, payload: bytes) -> bytes:
        sub = self._subfunction(payload, 2, (DEFAULT_SESSION, EXTENDED_SESSION))
        if sub == DEFAULT_SESSION:
            self._to_default()
        self.session = sub
        return bytes((sub,)) + P2_MS.to_bytes(2, "big") + (P2_STAR_MS // 10).to_bytes(2, "big")

    def _tester_present(self, payload: bytes) -> bytes:
        return bytes((self._subfunction(payload, 2, (0x00,)),))

    def _ecu_reset(self, payload: bytes) -> bytes:
        sub = self._subfunction(payload, 2, (0x01,))  # hardReset
        if not self.hooks.conditions_ok():
            raise _NegativeResponseError(NRC_CONDITIONS_NOT_CORRECT)
        self._reset_pending = True
        return bytes((sub,))

    def _read_did(self, payload: bytes) -> bytes:
        body = payload[1:]
        if not body or len(body) % 2 or len(body) // 2 > MAX_DIDS_PER_REQUEST:
            raise _NegativeResponseError(NRC_WRONG_LENGTH)
        out = b""
        for i in range(0, len(body), 2):
            did = int.from_bytes(body[i:i + 2], "big")
            read = self.dids.get(did)
            if read is not None:
                out += body[i:i + 2] + read()
        if not out:  # ISO 14229-1 10.2.5: 0x31 when none of the requested DIDs is supported
            raise _NegativeResponseError(NRC_REQUEST_OUT_OF_RANGE)
        return out

    def _read_dtc(self, payload: bytes) -> bytes:
        if len(payload) < 2:
            raise _NegativeResponseError(NRC_WRONG_LENGTH)
        sub = self._subfunction(payload, 3 if payload[1] & 0x7F in (0x01, 0x02) else 2, (0x01, 0x02, 0x0A))
        head = bytes((sub, AVAILABILITY_MASK))
        if sub == 0x0A:
            return head + _dtc_records(self.dtcs.all())
        matching = self.dtcs.matching(payload[2])
        if sub == 0x01:
            return head + bytes((DTC_FORMAT_ISO14229,)) + len(matching).to_bytes(2, "big")
        return head + _dtc_records(matching)

    def _clear_dtc(self, payload: bytes) -> bytes:
        if len(payload) != 4:
            raise _NegativeResponseError(NRC_WRONG_LENGTH)
        if int.from_bytes(payload[1:4], "big") != ALL_GROUPS:
            raise _NegativeResponseError(NRC_REQUEST_OUT_OF_RANGE)
        self.dtcs.clear()
        return b""

    def _communication_control(self, payload: bytes) -> bytes:
        # 0x00 enableRxAndTx, 0x01 enableRxAndDisableTx: the node's normal frames stop or resume
        sub = self._subfunction(payload, 3, (0x00, 0x01))
        if payload[2] & 0x03 not in (0x01, 0x03):  # normal communication messages (+ NM)
            raise _NegativeResponseError(NRC_REQUEST_OUT_OF_RANGE)
        if not self.hooks.conditions_ok():
            raise _NegativeResponseError(NRC_CONDITIONS_NOT_CORRECT)
        self.tx_enabled = sub == 0x00
        self.hooks.set_normal_tx(self.tx_enabled)
        return bytes((sub,))


def _dtc_records(records: list[tuple[int, int]]) -> bytes:
    return b"".join(code.to_bytes(3, "big") + bytes((status,)) for code, status in records)
