"""Frames a process sent coming back to it: recognised and dropped, not counted as bad.

python-can's udp_multicast bus delivers every datagram to every socket in the group, the
sender's own included (multicast loopback is what lets processes on one host talk at all).
"""

from __future__ import annotations

from collections import deque

# python-can interfaces whose own frames come back to the sending bus object
ECHOING_INTERFACES = frozenset({"udp_multicast"})
_MAX_PENDING = 256  # per frame ID: a full second of a 10 ms message, and then some


class OwnEchoes:
    """Remembers what was sent, per frame ID in order, until its echo comes back."""

    def __init__(self) -> None:
        self._pending: dict[int, deque[bytes]] = {}

    def sent(self, frame_id: int, data: bytes) -> None:
        queue = self._pending.get(frame_id)
        if queue is None:
            queue = self._pending[frame_id] = deque(maxlen=_MAX_PENDING)
        queue.append(data)

    def take(self, frame_id: int, data: bytes) -> bool:
        """True (and forgotten) if this frame is the echo of one we sent; echoes of frames that
        never came back (a lost datagram) are skipped over. Anything else came from elsewhere."""
        queue = self._pending.get(frame_id)
        if not queue or data not in queue:
            return False
        while queue.popleft() != data:
            pass
        return True
