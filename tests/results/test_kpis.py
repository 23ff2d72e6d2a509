"""KPIs on a constructed trace with known answers, and identical KPIs for a repeated run."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.bus.codec import Codec, Signals
from hil.results.kpis import KpiSettings, kpis_from_trace, read_kpis, write_kpis
from hil.results.trace import Trace, TraceFrame
from hil.stage.timeline import standing_start
from tests.support import ROOT, prepared

MS = 1_000_000


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")


def _trace(codec: Codec, rows: list[tuple[int, str, Signals]]) -> Trace:
    tr = Trace()
    for t_ms, name, sig in sorted(rows, key=lambda r: r[0]):
        tr.frames.append(TraceFrame(t_ms * MS, name, {**codec.specs[name].defaults, **sig}, True))
    return tr


def _shift(t: int, frm: int, to: int, ms: float, kind: int) -> tuple[int, str, Signals]:
    return (t, "TCU_ShiftEvent", {"FromGear": frm, "ToGear": to, "ShiftTimeMs": ms, "ShiftKind": kind})


@pytest.fixture(scope="module")
def known(codec: Codec) -> dict[str, float]:
    rows: list[tuple[int, str, Signals]] = []
    # 0..2000 ms: engine frames every 10 ms; 6980 rpm (at the limiter band) from 500 to 800 ms
    for t in range(0, 2001, 10):
        rpm = 6980.0 if 500 <= t < 800 else 3000.0 + t
        rows.append((t, "ECM_Engine", {"EngineSpeed": rpm}))
        # vehicle speed: standstill to 100 ms, then 36 km/h (10 m/s) flat, 100 km/h from 1500 ms
        v = 0.0 if t < 100 else 100.0 if t >= 1500 else 36.0
        rows.append((t, "ABS_WheelSpeeds", {"VehicleSpeed": v}))
        rows.append((t, "TCU_Status", {"OilTemp": 90.0 + (5.0 if t == 1000 else 0.0),
                                       "ShiftRejectReason": 1 if 1200 <= t < 1300 else 0}))
        rows.append((t, "DRV_Controls", {"HandbrakeLever": 60.0 if 1600 <= t < 1900 else 0.0,
                                         "AccelPedal": 50.0 if t >= 60 else 0.0}))
        rows.append((t, "DCU_Status", {"CentreMode": 3 if 1630 <= t < 1900 else 1}))
        rows.append((t, "HHB_Status", {"RearAxleLocked": 1 if 1680 <= t < 1900 else 0}))
    rows += [_shift(200, 1, 2, 100, 0), _shift(400, 2, 3, 120, 0), _shift(600, 2, 3, 160, 0),
             _shift(900, 3, 2, 300, 3)]
    return kpis_from_trace(_trace(codec, rows), codec, KpiSettings(limiter_rpm=7000.0, limiter_band_rpm=50.0))


def test_shift_times_by_kind_and_gear_pair(known: dict[str, float]) -> None:
    assert known["shift.count"] == 4
    assert known["shift.count.POWER_ON_UP"] == 3
    assert known["shift_time_ms.POWER_ON_UP.median"] == 120
    assert known["shift_time_ms.POWER_ON_UP.max"] == 160
    assert known["shift_time_ms.POWER_ON_UP.2-3.median"] == 140
    assert known["shift_time_ms.POWER_ON_UP.2-3.max"] == 160
    assert known["shift_time_ms.POWER_OFF_DOWN.3-2.median"] == 300
    assert "shift_time_ms.POWER_ON_DOWN.median" not in known


def test_rejects_are_counted_by_reason_with_every_reason_present(known: dict[str, float]) -> None:
    assert known["rejects.total"] == 1
    assert known["rejects.OVERREV"] == 1
    assert known["rejects.UNDERREV"] == 0


def test_handbrake_lock_and_centre_open_latencies(known: dict[str, float]) -> None:
    assert known["handbrake.pulls"] == 1
    assert known["handbrake_lock_latency_ms.median"] == 80
    assert known["centre_open_latency_ms.max"] == 30
    assert known["handbrake.pulls_without_lock"] == 0


def test_engine_limiter_oil_speed_and_stage_time(known: dict[str, float]) -> None:
    assert known["engine_speed_rpm.max"] == 6980
    assert known["limiter_time_s"] == 0.3
    assert known["oil_temp_degc.max"] == 95
    assert known["vehicle_speed_kph.max"] == 100
    assert known["stage_time_s"] == 2.0
    assert known["accel_0_100_kph_s"] == 1.44  # from the pedal at 60 ms
    # 10 m/s from 100 to 1500 ms, then 100 km/h for 500 ms
    assert known["distance_m"] == pytest.approx(14.0 + 100 / 3.6 * 0.5)


def test_kpis_survive_the_json_round_trip(known: dict[str, float], tmp_path: Path) -> None:
    assert read_kpis(write_kpis(tmp_path / "kpis.json", known)) == known


def test_same_stage_and_calibration_give_identical_kpis() -> None:
    from hil.results.kpis import KpiObserver
    from hil.runtime.rig import Rig

    def once() -> dict[str, float]:
        obs = KpiObserver()
        with Rig(prepared(stage=standing_start(8.0))) as rig:
            rig.observe(obs)
            rig.on_event(obs.on_event)  # the rig's one event detector feeds every listener
            rig.advance(8_000_000_000)
        return obs.kpis()

    first, second = once(), once()
    assert first == second
    assert first["shift.count"] >= 2


def _launch(codec: Codec, *, creep_kph: float, brake_until_ms: int, truth: bool = False) -> dict[str, float]:
    """Idle creep at `creep_kph` until the pedal goes down at 1,000 ms (brake held until
    `brake_until_ms`), then 20 km/h per second; speeds as ABS estimates or as the plant's truth."""
    rows: list[tuple[int, str, Signals]] = []
    for t in range(0, 8001, 10):
        launched = max(1000, brake_until_ms)
        v = creep_kph if t < launched else min(120.0, creep_kph + 20.0 * (t - launched) / 1000)
        rows.append((t, "DRV_Controls", {"AccelPedal": 100.0 if t >= 1000 else 0.0,
                                         "BrakePressure": 100.0 if t < brake_until_ms else 0.0}))
        if truth:
            rows.append((t, "ECM_PlantSensors", {"TrueVehicleSpeed": v}))
            rows.append((t, "ABS_WheelSpeeds", {"VehicleSpeed": v + 7.0}))  # a poor estimate: ignored
        else:
            rows.append((t, "ABS_WheelSpeeds", {"VehicleSpeed": v}))
    return kpis_from_trace(_trace(codec, rows), codec)


def test_0_100_counts_from_the_pedal_not_from_idle_creep(codec: Codec) -> None:
    # creeping at 3 km/h for a second before the pedal: the clock starts at the pedal
    assert _launch(codec, creep_kph=3.0, brake_until_ms=0)["accel_0_100_kph_s"] == pytest.approx(4.85)


def test_a_launch_control_start_counts_from_the_brake_release(codec: Codec) -> None:
    assert _launch(codec, creep_kph=0.0, brake_until_ms=2500)["accel_0_100_kph_s"] == pytest.approx(5.0)


def test_speed_kpis_use_the_true_speed_when_the_plant_sends_it(codec: Codec) -> None:
    k = _launch(codec, creep_kph=0.0, brake_until_ms=0, truth=True)
    assert k["accel_0_100_kph_s"] == pytest.approx(5.0)
    assert k["vehicle_speed_kph.max"] == 120.0
