"""Event detection over decoded frames: each kind from a constructed trace, and live == after the fact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hil.bus.codec import Codec, Signals
from hil.results.events import (
    Event,
    EventDetector,
    EventKind,
    detect_events,
    of_kind,
    read_events,
    write_events,
)
from hil.results.trace import Trace, TraceFrame
from hil.stage.timeline import Timeline
from tests.support import ROOT

MS = 1_000_000


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")


def frames(codec: Codec, *rows: tuple[int, str, Signals]) -> Trace:
    """A trace of frames whose unspecified signals hold the DBC defaults."""
    tr = Trace()
    for t_ms, name, sig in rows:
        tr.frames.append(TraceFrame(t_ms * MS, name, {**codec.specs[name].defaults, **sig}, True))
    return tr


def test_shift_event_carries_every_field_with_enum_names(codec: Codec) -> None:
    tr = frames(codec, (120, "TCU_ShiftEvent", {
        "FromGear": 2, "ToGear": 3, "ShiftTimeMs": 140, "ShiftKind": 0, "Trigger": 1,
        "EventCounter": 7, "DeadTimeMs": 40, "InertiaPhaseMs": 80}))
    (ev,) = detect_events(tr, codec)
    assert ev.kind is EventKind.SHIFT
    assert ev.t_ns == 120 * MS
    assert ev.fields == {"FromGear": "2", "ToGear": "3", "ShiftTimeMs": 140, "ShiftKind": "POWER_ON_UP",
                         "Trigger": "SCHEDULE", "EventCounter": 7, "DeadTimeMs": 40, "InertiaPhaseMs": 80}


def test_reject_is_reported_when_the_reason_appears_or_changes_not_while_it_holds(codec: Codec) -> None:
    tr = frames(codec,
                (0, "TCU_Status", {"ShiftRejectReason": 0}),
                (10, "TCU_Status", {"ShiftRejectReason": 1, "GearActual": 2}),
                (20, "TCU_Status", {"ShiftRejectReason": 1, "GearActual": 2}),
                (30, "TCU_Status", {"ShiftRejectReason": 2, "GearActual": 2}),
                (40, "TCU_Status", {"ShiftRejectReason": 0}),
                (50, "TCU_Status", {"ShiftRejectReason": 1}))
    rejects = of_kind(detect_events(tr, codec), EventKind.SHIFT_REJECT)
    assert [(e.t_ns // MS, e.fields["ShiftRejectReason"]) for e in rejects] == [
        (10, "OVERREV"), (30, "UNDERREV"), (50, "OVERREV")]
    assert rejects[0].fields["GearActual"] == "2"


def test_handbrake_pull_and_release_use_hysteresis(codec: Codec) -> None:
    tr = frames(codec,
                (0, "ABS_WheelSpeeds", {"VehicleSpeed": 60.0}),
                (0, "DRV_Controls", {"HandbrakeLever": 0.0}),
                (10, "DRV_Controls", {"HandbrakeLever": 50.0}),
                (20, "DRV_Controls", {"HandbrakeLever": 8.0}),   # between release and pull: still on
                (30, "DRV_Controls", {"HandbrakeLever": 20.0}),
                (40, "DRV_Controls", {"HandbrakeLever": 0.0}))
    evs = detect_events(tr, codec)
    assert [(e.kind, e.t_ns // MS) for e in evs] == [
        (EventKind.HANDBRAKE_PULL, 10), (EventKind.HANDBRAKE_RELEASE, 40)]
    assert evs[0].fields["VehicleSpeed"] == 60
    assert evs[1].fields["HeldMs"] == 30.0


def test_rear_axle_lock_and_centre_open_are_edges(codec: Codec) -> None:
    tr = frames(codec,
                (0, "DCU_Status", {"CentreMode": 1}),
                (0, "HHB_Status", {"RearAxleLocked": 0}),
                (10, "DCU_Status", {"CentreMode": 3}),
                (20, "HHB_Status", {"RearAxleLocked": 1, "State": 2, "RearBrakePressure": 80.0}),
                (30, "HHB_Status", {"RearAxleLocked": 1, "State": 2}),
                (40, "HHB_Status", {"RearAxleLocked": 0}),
                (50, "DCU_Status", {"CentreMode": 1}))
    evs = detect_events(tr, codec)
    assert [(e.kind, e.t_ns // MS) for e in evs] == [
        (EventKind.CENTRE_OPEN, 10), (EventKind.REAR_AXLE_LOCK, 20),
        (EventKind.REAR_AXLE_UNLOCK, 40), (EventKind.CENTRE_CLOSE, 50)]
    assert evs[0].fields["CentreMode"] == "HANDBRAKE_OPEN"
    assert evs[1].fields == {"RearBrakePressure": 80.0, "State": "LOCKED"}


def test_faults_from_each_source_are_raised_once_and_cleared(codec: Codec) -> None:
    tr = frames(codec,
                (0, "HHB_Status", {"FaultCode": 1, "State": 4}),
                (10, "HHB_Status", {"FaultCode": 1, "State": 4}),
                (20, "HHB_Status", {"FaultCode": 0, "State": 0}),
                (30, "TCU_Status", {"InputsLost": 1}),
                (40, "ECM_Engine", {"EngineStalled": 1}))
    evs = detect_events(tr, codec)
    got = [(e.kind, e.t_ns // MS, e.fields["source"], e.fields["code"]) for e in evs]
    assert got == [
        (EventKind.FAULT, 0, "HHB_Status.State", "FAULT"),
        (EventKind.FAULT, 0, "HHB_Status.FaultCode", "LEVER_TIMEOUT"),
        (EventKind.FAULT_CLEARED, 20, "HHB_Status.State", "FAULT"),
        (EventKind.FAULT_CLEARED, 20, "HHB_Status.FaultCode", "LEVER_TIMEOUT"),
        (EventKind.FAULT, 30, "TCU_Status.InputsLost", 1),
        (EventKind.FAULT, 40, "ECM_Engine.EngineStalled", 1),
    ]


def test_events_round_trip_through_json(tmp_path: Path) -> None:
    evs = [Event(EventKind.SHIFT, 5 * MS, {"FromGear": "1", "ShiftTimeMs": 150}),
           Event(EventKind.HANDBRAKE_RELEASE, 9 * MS, {"HeldMs": 1.5})]
    path = write_events(tmp_path / "events.json", evs)
    assert json.loads(path.read_text())[0] == {
        "kind": "shift", "t_ns": 5_000_000, "t_s": 0.005, "fields": {"FromGear": "1", "ShiftTimeMs": 150}}
    assert read_events(path) == evs


def _handbrake_stage() -> Timeline:
    ns = 1_000_000_000
    tl = Timeline("hb", 6 * ns)
    acc = tl.track("accel_pct")
    acc.set(0, 100.0)
    acc.set(3 * ns, 0.0)
    hb = tl.track("handbrake_pct")
    hb.set(0, 0.0)
    hb.set(4 * ns, 80.0)
    hb.set(5 * ns, 0.0)
    brk = tl.track("brake_bar")
    brk.set(3 * ns, 80.0)
    return tl


def test_live_detector_sees_the_same_events_as_the_trace_and_real_shifts(codec: Codec) -> None:
    from hil.runtime.rig import Rig
    from tests.support import prepared

    prep = prepared(stage=_handbrake_stage())
    live, trace = EventDetector(), Trace()
    seen: list[Event] = []
    live.listeners.append(seen.append)
    with Rig(prep) as rig:
        rig.observe(trace)
        rig.observe(live)
        rig.advance(6 * 1_000_000_000)
    assert live.events == detect_events(trace, prep.codec) == seen
    kinds = {e.kind for e in live.events}
    assert {EventKind.SHIFT, EventKind.HANDBRAKE_PULL, EventKind.HANDBRAKE_RELEASE, EventKind.CENTRE_OPEN} <= kinds
    pull = of_kind(live.events, EventKind.HANDBRAKE_PULL)[0]
    assert 4_000 <= pull.t_ns // MS <= 4_020

