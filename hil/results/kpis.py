"""Key performance indicators of a run, from decoded bus frames and the events found in them.

Names are flat dotted strings with the unit in them (`shift_time_ms.POWER_ON_UP.2-3.median`),
so `kpis.json`, tolerances and the compare table all speak the same keys.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from hil.bus.codec import Codec, MessageSpec, Signals
from hil.results.events import Event, EventDetector, EventKind, EventThresholds
from hil.results.trace import Trace

Kpis = dict[str, float]
KPI_SCHEMA = 1
DEFAULT_LIMITER_RPM = 7000.0
DEFAULT_LIMITER_BAND_RPM = 50.0
LAUNCH_PEDAL_PCT = 20.0  # 0-100 km/h counts from the pedal passing this with the brake off...
LAUNCH_BRAKE_BAR = 1.0
LAUNCH_MAX_KPH = 5.0  # ...while the car is still (nearly) at rest


@dataclass(frozen=True, slots=True)
class KpiSettings:
    """What the KPIs measure against: limiter speed (and the band under it that counts)."""

    limiter_rpm: float = DEFAULT_LIMITER_RPM
    limiter_band_rpm: float = DEFAULT_LIMITER_BAND_RPM
    thresholds: EventThresholds = field(default_factory=EventThresholds)


@dataclass
class SignalStats:
    """Session observer: running maxima and integrals over the cyclic frames (memory is O(1))."""

    settings: KpiSettings = field(default_factory=KpiSettings)
    first_ns: int | None = None
    last_ns: int = 0
    max_engine_rpm: float = 0.0
    limiter_ns: int = 0
    max_oil_degc: float | None = None
    max_speed_kph: float = 0.0
    distance_m: float = 0.0
    t_0_100_s: float | None = None
    reject_reasons: tuple[str, ...] = ()
    _ecm_prev: tuple[int, bool] | None = None
    _speed_prev: tuple[int, float] | None = None
    _truth_seen: bool = False  # the plant's true speed is on the bus: it beats the ABS estimate
    _launch_ns: int | None = None  # the launch: the pedal pressed (brake off) from rest
    _pedal: tuple[float, float] = (0.0, 0.0)  # (AccelPedal %, BrakePressure bar), latest
    _speed_kph: float = 0.0

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        if self.first_ns is None:
            self.first_ns = t_ns
        self.last_ns = max(self.last_ns, t_ns)
        name = spec.name
        if name == "ECM_Engine":
            rpm = sig["EngineSpeed"]
            self.max_engine_rpm = max(self.max_engine_rpm, rpm)
            # a frame's state holds until the next frame of the same message
            if self._ecm_prev is not None and self._ecm_prev[1]:
                self.limiter_ns += t_ns - self._ecm_prev[0]
            s = self.settings
            self._ecm_prev = (t_ns, rpm >= s.limiter_rpm - s.limiter_band_rpm)
        elif name == "ECM_PlantSensors" and "TrueVehicleSpeed" in sig:
            self._truth_seen = True
            self._speed(t_ns, sig["TrueVehicleSpeed"])
        elif name == "ABS_WheelSpeeds" and not self._truth_seen:
            self._speed(t_ns, sig["VehicleSpeed"])
        elif name == "DRV_Controls":
            self._pedal = (sig["AccelPedal"], sig["BrakePressure"])
            self._watch_launch(t_ns)
        elif name == "TCU_Status":
            oil = sig["OilTemp"]
            self.max_oil_degc = oil if self.max_oil_degc is None else max(self.max_oil_degc, oil)
            if not self.reject_reasons:
                table = spec.choices.get("ShiftRejectReason", {})
                self.reject_reasons = tuple(v for _, v in sorted(table.items()) if v != "NONE")

    def _speed(self, t_ns: int, v: float) -> None:
        self._speed_kph = v
        self.max_speed_kph = max(self.max_speed_kph, v)
        if self._speed_prev is not None:
            self.distance_m += self._speed_prev[1] / 3.6 * (t_ns - self._speed_prev[0]) / 1e9
        self._speed_prev = (t_ns, v)
        self._watch_launch(t_ns)
        if v >= 100.0 and self.t_0_100_s is None and self._launch_ns is not None:
            self.t_0_100_s = (t_ns - self._launch_ns) / 1e9

    def _watch_launch(self, t_ns: int) -> None:
        """From rest, the launch is the instant the pedal is pressed with the brake off (a
        launch-control start: the brake release); idle creep before it does not count."""
        if self._speed_kph >= LAUNCH_MAX_KPH:
            return
        accel, brake = self._pedal
        if accel >= LAUNCH_PEDAL_PCT and brake < LAUNCH_BRAKE_BAR:
            if self._launch_ns is None:
                self._launch_ns = t_ns
        else:
            self._launch_ns = None


def _stats(prefix: str, values: list[float], out: Kpis) -> None:
    if values:
        out[f"{prefix}.median"] = float(statistics.median(values))
        out[f"{prefix}.max"] = float(max(values))


def _latencies(events: list[Event], target: EventKind) -> tuple[list[float], int]:
    """Pull -> first `target` while the lever is still on; and how many pulls never got there."""
    out: list[float] = []
    missed = 0
    pull: int | None = None
    for e in events:
        if e.kind is EventKind.HANDBRAKE_PULL:
            if pull is not None:
                missed += 1
            pull = e.t_ns
        elif e.kind is EventKind.HANDBRAKE_RELEASE and pull is not None:
            missed += 1
            pull = None
        elif e.kind is target and pull is not None:
            out.append((e.t_ns - pull) / 1e6)
            pull = None
    if pull is not None:
        missed += 1
    return out, missed


def compute_kpis(stats: SignalStats, events: list[Event]) -> Kpis:
    """Every KPI of a run; keys that cannot be measured (no such shift happened) are left out."""
    k: Kpis = {}
    shifts = [e for e in events if e.kind is EventKind.SHIFT]
    k["shift.count"] = float(len(shifts))
    by_kind: dict[str, list[float]] = {}
    by_pair: dict[str, list[float]] = {}
    for e in shifts:
        f = e.fields
        kind, ms = str(f.get("ShiftKind", "?")), float(f.get("ShiftTimeMs", 0.0))
        by_kind.setdefault(kind, []).append(ms)
        by_pair.setdefault(f"{kind}.{f.get('FromGear')}-{f.get('ToGear')}", []).append(ms)
    for kind, times in by_kind.items():
        k[f"shift.count.{kind}"] = float(len(times))
        _stats(f"shift_time_ms.{kind}", times, k)
    for pair, times in by_pair.items():
        _stats(f"shift_time_ms.{pair}", times, k)
    rejects = [str(e.fields.get("ShiftRejectReason")) for e in events if e.kind is EventKind.SHIFT_REJECT]
    k["rejects.total"] = float(len(rejects))
    for reason in sorted(set(stats.reject_reasons) | set(rejects)):
        k[f"rejects.{reason}"] = float(rejects.count(reason))
    k["handbrake.pulls"] = float(sum(e.kind is EventKind.HANDBRAKE_PULL for e in events))
    lock, lock_missed = _latencies(events, EventKind.REAR_AXLE_LOCK)
    _stats("handbrake_lock_latency_ms", lock, k)
    k["handbrake.pulls_without_lock"] = float(lock_missed)
    centre, centre_missed = _latencies(events, EventKind.CENTRE_OPEN)
    _stats("centre_open_latency_ms", centre, k)
    k["handbrake.pulls_without_centre_open"] = float(centre_missed)
    k["faults.count"] = float(sum(e.kind is EventKind.FAULT for e in events))
    k["engine_speed_rpm.max"] = stats.max_engine_rpm
    k["limiter_time_s"] = stats.limiter_ns / 1e9
    if stats.max_oil_degc is not None:
        k["oil_temp_degc.max"] = stats.max_oil_degc
    k["vehicle_speed_kph.max"] = stats.max_speed_kph
    k["distance_m"] = stats.distance_m
    k["stage_time_s"] = (stats.last_ns - (stats.first_ns or 0)) / 1e9
    if stats.t_0_100_s is not None:
        k["accel_0_100_kph_s"] = stats.t_0_100_s
    return {name: round(v, 6) for name, v in sorted(k.items())}


@dataclass
class KpiObserver:
    """Signal statistics (a frame observer) and the run's events (an event listener of the run's
    one `EventDetector`): everything `kpis()` needs."""

    settings: KpiSettings = field(default_factory=KpiSettings)
    stats: SignalStats = field(init=False)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stats = SignalStats(self.settings)

    def __call__(self, t_ns: int, spec: MessageSpec, sig: Signals, sent_here: bool) -> None:
        self.stats(t_ns, spec, sig, sent_here)

    def on_event(self, event: Event) -> None:
        self.events.append(event)

    def kpis(self) -> Kpis:
        return compute_kpis(self.stats, self.events)


def kpis_from_trace(trace: Trace, codec: Codec, settings: KpiSettings | None = None) -> Kpis:
    obs = KpiObserver(settings or KpiSettings())
    detector = EventDetector(obs.settings.thresholds, listeners=[obs.on_event])
    for f in trace.frames:
        spec = codec.specs.get(f.name)
        if spec is not None:
            detector(f.t_ns, spec, f.signals, f.sent_here)
            obs(f.t_ns, spec, f.signals, f.sent_here)
    return obs.kpis()


def write_kpis(path: Path, kpis: Kpis) -> Path:
    path.write_text(json.dumps({"schema": KPI_SCHEMA, "kpis": kpis}, indent=1, sort_keys=True) + "\n")
    return path


def read_kpis(path: Path) -> Kpis:
    """KPIs of a results folder's `kpis.json`; ValueError/KeyError/OSError on a broken file."""
    data = json.loads(path.read_text())
    kpis = data["kpis"]
    if not isinstance(kpis, dict) or not all(isinstance(v, int | float) for v in kpis.values()):
        raise ValueError("'kpis' must map names to numbers")
    return {str(k): float(v) for k, v in kpis.items()}
