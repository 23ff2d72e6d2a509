"""One controller's diagnostic endpoint: its ISO-TP links (physical and functional) and UDS server.

Frames in, frames out, time as an argument: the run's owner routes the diagnostic IDs here
(never to the cyclic decode path) and sends what comes back on the node's response ID.
"""

from __future__ import annotations

from hil.diag.isotp_link import IsoTpLink
from hil.diag.server import UdsServer

FUNCTIONAL_ID = 0x7DF
Frames = list[tuple[int, bytes]]


class DiagEndpoint:
    def __init__(self, server: UdsServer, request_id: int, response_id: int,
                 functional_id: int = FUNCTIONAL_ID) -> None:
        self.server = server
        self.request_id = request_id
        self.response_id = response_id
        self.functional_id = functional_id
        self.physical = IsoTpLink(request_id, response_id)
        # Functional requests are single frames (ISO 15765-2); answers go out on the physical link.
        self.functional = IsoTpLink(functional_id, response_id)
        self.ignored = 0  # multi-frame PDUs on the functional ID, frames while a response is sent

    @property
    def ids(self) -> frozenset[int]:
        return frozenset({self.request_id, self.functional_id})

    @property
    def errors(self) -> int:
        return self.physical.errors + self.functional.errors

    def on_frame(self, frame_id: int, data: bytes, now_ns: int) -> Frames:
        """A frame on one of `ids`: returns the frames to send now (flow control, responses)."""
        if frame_id == self.request_id:
            out = self.physical.feed(data, now_ns)
            requests = [(p, False) for p in self.physical.received()]
        elif frame_id == self.functional_id:
            if not data or data[0] >> 4 != 0:  # only a single frame is a valid functional request
                self.ignored += 1
                return []
            out = self.functional.feed(data, now_ns)
            requests = [(p, True) for p in self.functional.received()]
        else:
            return []
        for payload, functional in requests:
            out += self._answer(payload, functional, now_ns)
        return out

    def _answer(self, payload: bytes, functional: bool, now_ns: int) -> Frames:
        if self.physical.busy:  # still sending the previous response: ISO-TP cannot take another
            self.ignored += 1
            return []
        response = self.server.handle(payload, now_ns, functional=functional)
        out = self.physical.send(response, now_ns) if response is not None else []
        self.server.after_response()
        return out

    def poll(self, now_ns: int) -> Frames:
        """Timers: consecutive frames paced by STmin, ISO-TP timeouts, the S3 session timeout."""
        self.server.poll(now_ns)
        return self.physical.process(now_ns) + self.functional.process(now_ns)

    def next_due_ns(self) -> int | None:
        times = [t for t in (self.physical.next_due_ns(), self.functional.next_due_ns(),
                             self.server.next_due_ns()) if t is not None]
        return min(times) if times else None

    def reset(self) -> None:
        """Hard reset of the controller: its transport layers start idle."""
        self.physical.reset()
        self.functional.reset()
