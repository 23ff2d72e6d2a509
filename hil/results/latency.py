"""Handbrake event latencies measured on the bus: lever -> centre-open request -> coupling open -> rear locked.

Only decoded frames are used (live as a session observer, or after the fact from a CAN log
file), never model internals, so the same numbers come from an emulated or a real controller.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import can

from hil.bus.codec import Codec, MessageSpec, Signals
from hil.bus.e2e import E2EReceiver

_MS = 1_000_000


@dataclass
class HandbrakeLatency:
    """One handbrake pull; each time is from the lever frame over the threshold (None: never happened)."""

    t_lever_ns: int
    request_ms: float | None = None  # HHB_Status.CentreOpenRequest = 1
    open_ms: float | None = None  # DCU_Status.CentreCouplingTorque = 0 (after the request)
    pressure_ms: float | None = None  # HHB_Status.RearBrakePressure > 0
    locked_ms: float | None = None  # HHB_Status.RearAxleLocked = 1

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)

    def line(self, index: int) -> str:
        def ms(v: float | None) -> str:
            return f"{v:5.0f} ms" if v is not None else "   never"
        return (f"  #{index} at {self.t_lever_ns / 1e9:7.2f} s: centre request {ms(self.request_ms)}, "
                f"coupling open {ms(self.open_ms)}, pressure {ms(self.pressure_ms)}, "
                f"rear locked {ms(self.locked_ms)}")


class HandbrakeLatencyObserver:
    """Session observer: a pull starts when the lever rises over `lever_on_pct`, ends under `lever_off_pct`."""

    def __init__(self, lever_on_pct: float = 10.0, lever_off_pct: float = 5.0) -> None:
        self.lever_on_pct = lever_on_pct
        self.lever_off_pct = lever_off_pct
        self.pulls: list[HandbrakeLatency] = []
        self._current: HandbrakeLatency | None = None
        self._request_ns: int | None = None

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        name = spec.name
        cur = self._current
        if name == "DRV_Controls":
            lever = sig["HandbrakeLever"]
            if cur is None and lever >= self.lever_on_pct:
                self._current = HandbrakeLatency(t_ns)
                self._request_ns = None
                self.pulls.append(self._current)
            elif cur is not None and lever < self.lever_off_pct:
                self._current = None
            return
        if cur is None:
            return
        since_ms = (t_ns - cur.t_lever_ns) / _MS
        if name == "HHB_Status":
            if cur.request_ms is None and sig["CentreOpenRequest"] >= 0.5:
                cur.request_ms, self._request_ns = since_ms, t_ns
            if cur.pressure_ms is None and sig["RearBrakePressure"] > 0.0:
                cur.pressure_ms = since_ms
            if cur.locked_ms is None and sig["RearAxleLocked"] >= 0.5:
                cur.locked_ms = since_ms
        elif (name == "DCU_Status" and cur.open_ms is None and self._request_ns is not None
              and sig["CentreCouplingTorque"] <= 0.0):
            cur.open_ms = since_ms

    def lines(self) -> list[str]:
        out = [f"handbrake pulls: {len(self.pulls)}"]
        out += [p.line(i + 1) for i, p in enumerate(self.pulls)]
        return out


def latencies_from_log(path: Path, codec: Codec, lever_on_pct: float = 10.0,
                       lever_off_pct: float = 5.0) -> list[HandbrakeLatency]:
    """The same measurement over a recorded CAN log (any python-can format), E2E-checked like the bus."""
    obs = HandbrakeLatencyObserver(lever_on_pct, lever_off_pct)
    receivers = {s.frame_id: E2EReceiver(s.frame_id) for s in codec.specs.values() if s.e2e}
    for msg in can.LogReader(str(path)):
        spec = codec.by_id.get(msg.arbitration_id)
        if spec is None or msg.is_error_frame or msg.is_remote_frame or len(msg.data) != spec.length:
            continue
        decoded = codec.decode(spec, bytes(msg.data), receivers.get(spec.frame_id))
        if decoded.status.usable:
            obs(round(msg.timestamp * 1e9), spec, decoded.signals, False)
    return obs.pulls
