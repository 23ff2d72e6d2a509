"""A one-screen run summary built from decoded bus frames (never from model internals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hil.bus.codec import MessageSpec, Signals


@dataclass
class ShiftRecord:
    t_s: float
    from_gear: int
    to_gear: int
    time_ms: float
    kind: str
    trigger: str


@dataclass
class RunSummary:
    """Observer: attach to a session's `observers`."""

    shifts: list[ShiftRecord] = field(default_factory=list)
    max_engine_rpm: float = 0.0
    max_speed_kph: float = 0.0
    t_100_s: float | None = None
    _moving_since_s: float | None = None

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        name = spec.name
        if name == "ECM_Engine":
            self.max_engine_rpm = max(self.max_engine_rpm, sig["EngineSpeed"])
        elif name == "ABS_WheelSpeeds":
            v = sig["VehicleSpeed"]
            t_s = t_ns / 1e9
            self.max_speed_kph = max(self.max_speed_kph, v)
            if v < 0.5:
                self._moving_since_s = None
            elif self._moving_since_s is None:
                self._moving_since_s = t_s
            if v >= 100.0 and self.t_100_s is None and self._moving_since_s is not None:
                self.t_100_s = t_s - self._moving_since_s
        elif name == "TCU_ShiftEvent":
            ch = spec.choices
            self.shifts.append(ShiftRecord(
                t_ns / 1e9, int(sig["FromGear"]), int(sig["ToGear"]), sig["ShiftTimeMs"],
                ch["ShiftKind"].get(int(sig["ShiftKind"]), "?"), ch["Trigger"].get(int(sig["Trigger"]), "?"),
            ))

    def lines(self) -> list[str]:
        out = [f"shifts: {len(self.shifts)}"]
        by_kind: dict[str, list[float]] = {}
        for s in self.shifts:
            by_kind.setdefault(s.kind, []).append(s.time_ms)
        for kind, times in sorted(by_kind.items()):
            times.sort()
            out.append(f"  {kind:<15} n={len(times):<3} median {times[len(times) // 2]:6.0f} ms"
                       f"  max {times[-1]:6.0f} ms")
        out.append(f"max engine speed: {self.max_engine_rpm:.0f} rpm")
        out.append(f"max vehicle speed: {self.max_speed_kph:.1f} km/h")
        out.append("0-100 km/h: " + (f"{self.t_100_s:.2f} s" if self.t_100_s is not None else "not reached"))
        return out
