"""Bus health counters: every bad frame or bus fault is counted here, never raised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class BusHealth:
    frames_tx: int = 0
    frames_rx: int = 0
    unknown_id: int = 0
    bad_length: int = 0
    error_frames: int = 0
    remote_frames: int = 0
    decode_errors: int = 0
    tx_errors: int = 0  # send failed (ENOBUFS, interface down, ...)
    rx_errors: int = 0  # receive failed (interface vanished, ...)
    outages: int = 0  # times sending started failing after it had worked (or from the start)
    own_echoes: int = 0  # our own frames handed back by the bus (udp_multicast): dropped, not bad
    late_frames: int = 0  # real time: a frame's deadline was missed by more than a cycle
    e2e: Counter[str] = field(default_factory=Counter)  # "MSG:STATUS" -> count
    non_finite: Counter[str] = field(default_factory=Counter)  # "MSG.Signal" -> NaN/inf values sent saturated
    last_error: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {k: v for k, v in self.__dict__.items() if k not in ("e2e", "non_finite")}
        out["e2e"] = dict(sorted(self.e2e.items()))
        out["non_finite"] = dict(sorted(self.non_finite.items()))
        return out

    @property
    def bad_frames(self) -> int:
        return self.unknown_id + self.bad_length + self.decode_errors + sum(
            n for key, n in self.e2e.items() if key.endswith(("ERROR", "REPEATED", "WRONG_SEQUENCE"))
        )


@dataclass
class SendOutage:
    """Sending that keeps failing (ENOBUFS, interface down) is told once when it starts and once
    when it recovers, never once per frame; every unsent frame is counted in `health`."""

    health: BusHealth
    since_ns: int | None = None

    def failed(self, what: str, exc: BaseException, t_ns: int) -> str | None:
        """A send failed: the line to report if this starts an outage, else None."""
        self.health.tx_errors += 1
        self.health.last_error = f"{what}: {exc}"
        if self.since_ns is not None:
            return None
        self.since_ns = t_ns
        self.health.outages += 1
        return f"bus: cannot send ({exc}); counting unsent frames until it recovers"

    def recovered(self, t_ns: int) -> str:
        """A send worked after an outage: the line to report."""
        lost_ms = (t_ns - (self.since_ns or t_ns)) / 1e6
        self.since_ns = None
        return f"bus: sending again after {lost_ms:.0f} ms ({self.health.tx_errors} unsent so far)"
