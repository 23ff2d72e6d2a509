"""A real udsoncan client and a real can-isotp tester stack wired to a DiagEndpoint in virtual time.

Every CAN frame either side sends is handed to the other at the same virtual instant; when
both sides wait on a timer (STmin, timeouts), time jumps to it. No wall clock, no threads.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

import udsoncan
from udsoncan.client import Client
from udsoncan.connections import BaseConnection

from hil.diag.dtc import DtcInfo, DtcStore
from hil.diag.endpoint import DiagEndpoint
from hil.diag.isotp_link import IsoTpLink
from hil.diag.server import Identity, UdsServer

VIN = "SALEA7EU0T2000001"
IDENTITY = Identity(VIN, "0.9.0", "TCU-0001", hashlib.sha256(b"calibration").digest())
DTCS = (DtcInfo(0xC10000, "ecm_lost", "Lost communication with ECM"),
        DtcInfo(0x021800, "overtemp", "Transmission fluid over temperature"))
DID_CODECS: dict[int, Any] = {0xF190: udsoncan.AsciiCodec(17), 0xF188: udsoncan.AsciiCodec(5),
                              0xF18C: udsoncan.AsciiCodec(8), 0xF1A0: udsoncan.DidCodec("8s"),
                              0x0101: udsoncan.DidCodec(">B")}
MS = 1_000_000


class Hooks:
    """The controller side a server acts on, recorded so tests can see each effect."""

    def __init__(self) -> None:
        self.standstill = True
        self.resets = 0
        self.tx_states: list[bool] = []

    def conditions_ok(self) -> bool:
        return self.standstill

    def hard_reset(self) -> None:
        self.resets += 1

    def set_normal_tx(self, enabled: bool) -> None:
        self.tx_states.append(enabled)


def make_endpoint(hooks: Hooks | None = None) -> DiagEndpoint:
    server = UdsServer(IDENTITY, DtcStore(DTCS), hooks or Hooks(), live_dids={0x0101: lambda: bytes((4,))})
    return DiagEndpoint(server, 0x7E1, 0x7E9)


class VirtualTester(BaseConnection):
    """udsoncan connection: a tester ISO-TP stack on 0x7E9 <- / -> 0x7E1 (or 0x7DF) in virtual time."""

    def __init__(self, endpoint: DiagEndpoint, *, functional: bool = False, stmin_ms: int = 0,
                 blocksize: int = 0) -> None:
        super().__init__("virtual-tester")
        self.endpoint = endpoint
        self.now_ns = 0
        self.link = IsoTpLink(endpoint.response_id, endpoint.functional_id if functional else endpoint.request_id,
                              stmin_ms=stmin_ms, blocksize=blocksize)
        self.wire: list[tuple[int, int, bytes]] = []  # (t_ns, id, data): every frame, both ways
        self._responses: deque[bytes] = deque()
        self._open = False

    def _exchange(self, frames: list[tuple[int, bytes]]) -> None:
        """Hand frames across until both sides are quiet, jumping to timers (at most 5 s ahead)."""
        limit = self.now_ns + 5_000 * MS
        while True:
            while frames:
                to_server = [f for f in frames if f[0] != self.endpoint.response_id]
                to_tester = [f for f in frames if f[0] == self.endpoint.response_id]
                self.wire += [(self.now_ns, i, d) for i, d in frames]
                frames = []
                for frame_id, data in to_server:
                    frames += self.endpoint.on_frame(frame_id, data, self.now_ns)
                for _, data in to_tester:
                    frames += self.link.feed(data, self.now_ns)
                self._responses.extend(self.link.received())
            due = [t for t in (self.link.next_due_ns(), self.endpoint.next_due_ns()) if t is not None]
            busy = self.link.busy or self.endpoint.physical.busy
            if not busy or not due or min(due) > limit:
                return
            self.now_ns = max(self.now_ns, min(due))
            frames = self.endpoint.poll(self.now_ns) + self.link.process(self.now_ns)

    def advance(self, ns: int) -> None:
        """Let virtual time pass with no tester traffic (e.g. the S3 session timeout)."""
        self.now_ns += ns
        self._exchange(self.endpoint.poll(self.now_ns))

    def raw(self, payload: bytes) -> bytes | None:
        """Send one request payload as it is; the response payload, or None if none came."""
        self._exchange(self.link.send(payload, self.now_ns))
        return self._responses.popleft() if self._responses else None

    # ---- udsoncan's connection interface -------------------------------------------------

    def open(self) -> VirtualTester:
        self._open = True
        return self

    def close(self) -> None:
        self._open = False

    def is_open(self) -> bool:
        return self._open

    def empty_rxqueue(self) -> None:
        self._responses.clear()

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        self._exchange(self.link.send(payload, self.now_ns))

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        return self._responses.popleft() if self._responses else None


def client_for(tester: VirtualTester) -> Client:
    config = dict(udsoncan.configs.default_client_config)
    config["data_identifiers"] = DID_CODECS
    config["request_timeout"] = 0.5
    config["p2_timeout"] = 0.5
    return Client(tester, config=config)
