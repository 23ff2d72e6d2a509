"""The node protocol: how a pure model meets the bus.

A `NodeModel` emulates one or more DBC nodes. Each period the session hands it an `RxView`
(latest good signals of every received message, and which ones timed out) and sends what
its `Tx` holds: cyclic messages on their DBC cycle, event messages at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from hil.bus.codec import Codec, Signals
from hil.bus.e2e import E2EStatus

if TYPE_CHECKING:
    from hil.config.calibration import CalibrationSet


@dataclass(slots=True)
class Tx:
    """What a node wants on the bus: latest values of its cyclic messages, events to send now."""

    cyclic: dict[str, Signals] = field(default_factory=dict)
    events: list[tuple[str, Signals]] = field(default_factory=list)


_NO_TIMEOUT_NS = 1 << 62  # messages without a timeout (events) never time out once received
_NEVER_NS = -(1 << 63)  # deadline of a message never received: timed out from the start


class RxStore:
    """Latest good values of every message, with receive times and E2E status (shared per bus)."""

    def __init__(self, defaults: dict[str, Signals], timeouts_ns: dict[str, int]) -> None:
        self.values: dict[str, Signals] = {k: dict(v) for k, v in defaults.items()}
        self.last_ok_ns: dict[str, int] = {}
        self.status: dict[str, E2EStatus] = {k: E2EStatus.NO_DATA for k in defaults}
        self.timeouts_ns = timeouts_ns
        # last good frame + timeout, kept with `last_ok_ns`: nodes ask "timed out?" many times a step
        self.deadline_ns: dict[str, int] = {}

    @classmethod
    def for_codec(cls, codec: Codec, timeouts_ms: Mapping[str, float]) -> RxStore:
        """Every message at its defaults; a timeout for each one the rig names and each cyclic one
        (three cycles unless the rig says otherwise)."""
        timeouts = {
            s.name: int(timeouts_ms.get(s.name, 3 * (s.cycle_ns or 0) / 1e6) * 1e6)
            for s in codec.specs.values() if s.cycle_ns or s.name in timeouts_ms
        }
        return cls({n: s.defaults for n, s in codec.specs.items()}, timeouts)

    def update(self, name: str, signals: Signals, now_ns: int, status: E2EStatus) -> None:
        self.status[name] = status
        if status.usable:
            self.values[name] = signals
            self.last_ok_ns[name] = now_ns
            self.deadline_ns[name] = now_ns + self.timeouts_ns.get(name, _NO_TIMEOUT_NS)


class RxView:
    """A node's read-only view of the bus at one instant."""

    __slots__ = ("_store", "now_ns")

    def __init__(self, store: RxStore, now_ns: int) -> None:
        self._store = store
        self.now_ns = now_ns

    def signals(self, message: str) -> Signals:
        """Latest values that passed every check (DBC defaults before the first frame)."""
        return self._store.values[message]

    def timed_out(self, message: str) -> bool:
        """No good frame within the message's timeout (or none yet)."""
        return self.now_ns > self._store.deadline_ns.get(message, _NEVER_NS)

    def status(self, message: str) -> E2EStatus:
        """Status of the last frame received for `message` (NO_DATA once timed out)."""
        return E2EStatus.NO_DATA if self.timed_out(message) else self._store.status[message]

    def last_status(self, message: str) -> E2EStatus:
        """Check status of the most recent frame, even a failed one."""
        return self._store.status[message]


class NodeModel(Protocol):
    """A pure, deterministic model bound to the bus. No I/O, no clock reads."""

    name: str
    nodes: tuple[str, ...]  # DBC nodes whose messages this model sends
    period_ns: int
    # calibration sections (`CalibrationSet` field names) a live write to which this node applies
    accepts: frozenset[str]

    def step(self, now_ns: int, rx: RxView) -> Tx: ...

    def apply_calibration(self, values: CalibrationSet) -> None:
        """Take the sections named in `accepts` from `values` from the next step on; the model's
        physical state (speeds, temperatures, integrators, a running shift) is kept."""
        ...
