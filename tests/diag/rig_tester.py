"""A udsoncan client talking to a Rig over its python-can virtual bus, in the rig's virtual time.

The tester is a second participant on the rig's channel with its own can-isotp stack; each
exchange puts the tester's frames on the bus and advances the rig 1 ms, so the rig reads them at
that instant and answers on the bus, exactly as from another process - but deterministically.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import can
import udsoncan
from udsoncan.client import Client
from udsoncan.connections import BaseConnection

from hil.diag.catalog import catalog
from hil.diag.endpoint import FUNCTIONAL_ID
from hil.diag.isotp_link import IsoTpLink
from hil.runtime.rig import Rig

MS = 1_000_000


class RigTester(BaseConnection):
    def __init__(self, rig: Rig, node: str = "TCU", *, functional: bool = False, stmin_ms: int = 0) -> None:
        super().__init__(f"rig-tester-{node}")
        self.rig = rig
        diag = catalog()[node]
        self.bus = can.Bus(interface="virtual", channel=rig.prepared.rig.spec.bus["channel"],
                           preserve_timestamps=True)
        self.link = IsoTpLink(diag.response_id, FUNCTIONAL_ID if functional else diag.request_id, stmin_ms=stmin_ms)
        self.sent: list[tuple[int, bytes]] = []  # every frame the tester sent
        self._responses: deque[bytes] = deque()
        self._open = False

    def _exchange(self, frames: list[tuple[int, bytes]], budget_ms: int = 2_000) -> None:
        """Frames to the rig, 1 ms of its time per round, until both sides are quiet."""
        for _ in range(budget_ms):
            for frame_id, data in frames:
                self.bus.send(can.Message(arbitration_id=frame_id, data=data, is_extended_id=False))
                self.sent.append((frame_id, data))
            t = self.rig.clock.now_ns() + MS
            self.rig.advance(t)
            frames = []
            while (msg := self.bus.recv(0)) is not None:
                if msg.arbitration_id == self.link.rxid:
                    frames += self.link.feed(bytes(msg.data), t)
            frames += self.link.process(t)
            self._responses.extend(self.link.received())
            if not frames and not self.link.busy:  # the rig answers at the instant it reads a request
                return

    def raw(self, payload: bytes) -> bytes | None:
        """One request as it is; the response payload, or None if none came."""
        self._exchange(self.link.send(payload, self.rig.clock.now_ns()))
        return self._responses.popleft() if self._responses else None

    def open(self) -> RigTester:
        self._open = True
        return self

    def close(self) -> None:
        self._open = False
        self.bus.shutdown()

    def is_open(self) -> bool:
        return self._open

    def empty_rxqueue(self) -> None:
        self._responses.clear()

    def specific_send(self, payload: bytes, timeout: float | None = None) -> None:
        self._exchange(self.link.send(payload, self.rig.clock.now_ns()))

    def specific_wait_frame(self, timeout: float | None = None) -> bytes | None:
        return self._responses.popleft() if self._responses else None


def client(tester: RigTester, dids: dict[int, Any] | None = None) -> Client:
    config = dict(udsoncan.configs.default_client_config)
    config["data_identifiers"] = {0xF190: udsoncan.AsciiCodec(17), 0xF1A0: udsoncan.DidCodec("8s"),
                                  **(dids or {})}
    config["request_timeout"] = 1.0
    return Client(tester, config=config)  # type: ignore[arg-type]
