"""The bounded queue between the CAN loop and the publisher: never blocks, never loses an event.

The CAN side only appends (O(1), no await). When full, the oldest telemetry goes and is
counted; events are kept (up to a hard cap far above any real event rate, counted beyond).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

EVENT_CAP_FACTOR = 10


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    payload: Any  # bytes, or a tuple the publisher serialises (keeps JSON work off the CAN loop)
    qos: int = 0
    retain: bool = False


class Outbox:
    def __init__(self, size: int) -> None:
        self.size = size
        self.telemetry: deque[Outgoing] = deque()
        self.events: deque[Outgoing] = deque()
        self.status: Outgoing | None = None  # latest status only: older ones are moot
        self.wake = asyncio.Event()
        self.telemetry_dropped = 0
        self.events_dropped = 0

    def put_telemetry(self, item: Outgoing) -> None:
        if len(self.telemetry) + len(self.events) >= self.size:
            self.telemetry_dropped += 1
            if not self.telemetry:
                return  # full of events: this telemetry sample is the one dropped
            self.telemetry.popleft()
        self.telemetry.append(item)
        self.wake.set()

    def put_event(self, item: Outgoing) -> None:
        if len(self.events) >= self.size * EVENT_CAP_FACTOR:
            self.events_dropped += 1
            return
        if len(self.telemetry) + len(self.events) >= self.size and self.telemetry:
            self.telemetry.popleft()
            self.telemetry_dropped += 1
        self.events.append(item)
        self.wake.set()

    def put_status(self, item: Outgoing) -> None:
        self.status = item
        self.wake.set()

    def __len__(self) -> int:
        return len(self.telemetry) + len(self.events) + (self.status is not None)
