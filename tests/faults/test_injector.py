"""The injector: each fault kind's effect on the frames, in a window of virtual time, both directions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.bus.codec import Codec
from hil.bus.e2e import E2EReceiver, E2EStatus, crc_ok
from hil.bus.faults import Frame, Injector, parse_fault
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
MS = 1_000_000
EMULATED = frozenset({"TCU", "HHB", "DCU", "DRV", "ECM", "ABS"})


def _injector(*specs: dict[str, Any], emulated: frozenset[str] = EMULATED) -> Injector:
    inj = Injector(CODEC, emulated)
    for data in specs:
        inj.inject(parse_fault(data, CODEC), 0)
    return inj


def _engine_frame(rpm: float = 2000.0) -> Frame:
    frame_id, data = CODEC.encode("ECM_Engine", {"EngineSpeed": rpm, "EngineTorque": 100.0})
    return Frame(frame_id, data)


def _run(inj: Injector, until_ms: int, direction: str = "tx", rpm: float = 2000.0) -> list[tuple[int, Frame]]:
    """Send one ECM_Engine frame every 10 ms through the injector; collect what comes out, with times."""
    out: list[tuple[int, Frame]] = []
    for t_ms in range(0, until_ms, 10):
        t = t_ms * MS
        due = inj.due(t)
        out += [(t, f) for f in (due.tx if direction == "tx" else due.rx)]
        frame = _engine_frame(rpm)
        out += [(t, f) for f in (inj.on_tx(frame, t) if direction == "tx" else inj.on_rx(frame, t))]
    return out


def _statuses(frames: list[tuple[int, Frame]]) -> list[E2EStatus]:
    rx = E2EReceiver(0x80)
    return [rx.check(f.data) for _, f in frames]


def test_drop_loses_exactly_the_frames_inside_its_window_and_reports_start_and_end() -> None:
    inj = _injector({"kind": "drop", "message": "ECM_Engine", "at": "50 ms", "for": "30 ms"})
    frames = _run(inj, 120)
    assert [t // MS for t, _ in frames] == [0, 10, 20, 30, 40, 80, 90, 100, 110]
    events: list[tuple[int, str]] = []
    inj2 = _injector({"kind": "drop", "message": "ECM_Engine", "at": "50 ms", "for": "30 ms"})
    for t_ms in range(0, 120, 10):
        events += [(e.t_ns // MS, e.name) for e in inj2.due(t_ms * MS).events]
    assert events == [(50, "fault_injected"), (80, "fault_cleared")]


def test_delay_holds_each_frame_and_releases_it_when_due() -> None:
    inj = _injector({"kind": "delay", "message": "ECM_Engine", "delay": "25 ms", "for": "20 ms"})
    inj.due(0)
    assert inj.on_tx(_engine_frame(), 0) == []
    assert inj.next_due_ns() == 20 * MS  # the window's end comes first
    inj.due(20 * MS)
    assert inj.next_due_ns() == 25 * MS
    assert len(inj.due(25 * MS).tx) == 1 and inj.idle


def test_repeat_sends_the_same_bytes_again_which_a_receiver_sees_as_repeated() -> None:
    frames = _run(_injector({"kind": "repeat", "message": "ECM_Engine", "at": "20 ms", "for": "10 ms"}), 40)
    assert _statuses(frames) == [E2EStatus.INITIAL, E2EStatus.OK, E2EStatus.OK, E2EStatus.REPEATED, E2EStatus.OK]


def test_counter_skip_makes_every_frame_in_the_window_a_wrong_sequence() -> None:
    frames = _run(_injector({"kind": "counter_skip", "message": "ECM_Engine", "at": "20 ms", "for": "30 ms"}), 70)
    statuses = _statuses(frames)
    assert statuses[2:5] == [E2EStatus.WRONG_SEQUENCE] * 3
    assert all(crc_ok(f.data, 0x80) for _, f in frames)


def test_bad_crc_and_bad_data_id_fail_the_crc_check_and_only_inside_the_window() -> None:
    for kind in ("bad_crc", "bad_data_id"):
        frames = _run(_injector({"kind": kind, "message": "ECM_Engine", "at": "10 ms", "for": "10 ms"}), 30)
        assert [crc_ok(f.data, 0x80) for _, f in frames] == [True, False, True]
    masq = _run(_injector({"kind": "bad_data_id", "message": "ECM_Engine", "data_id": 0x70}), 10)
    assert crc_ok(masq[0][1].data, 0x70)  # a valid CRC, for another message


def test_stuck_freezes_a_signal_with_valid_e2e_and_other_signals_untouched() -> None:
    inj = _injector({"kind": "stuck", "message": "ECM_Engine", "signal": "EngineSpeed", "value": 3000})
    frames = _run(inj, 30, rpm=1234.0)
    rx = E2EReceiver(0x80)
    for _, f in frames:
        decoded = CODEC.decode(CODEC.specs["ECM_Engine"], f.data, rx)
        assert decoded.status.usable
        assert decoded.signals["EngineSpeed"] == 3000.0 and decoded.signals["EngineTorque"] == 100.0


def test_out_of_range_writes_a_raw_value_outside_the_dbc_range_with_valid_e2e() -> None:
    inj = _injector({"kind": "out_of_range", "message": "HHB_Status", "signal": "State"})
    frame_id, data = CODEC.encode("HHB_Status", {"State": 1.0})
    (out,) = inj.on_tx(Frame(frame_id, data), 0)
    decoded = CODEC.decode(CODEC.specs["HHB_Status"], out.data, E2EReceiver(frame_id))
    assert decoded.status.usable and decoded.signals["State"] == 5.0


def test_insert_adds_a_plausible_frame_carrying_the_written_value() -> None:
    inj = _injector({"kind": "insert", "message": "ECM_Engine", "signal": "EngineSpeed", "value": 6000})
    genuine, extra = inj.on_tx(_engine_frame(), 0)
    rx = E2EReceiver(0x80)
    assert CODEC.decode(CODEC.specs["ECM_Engine"], genuine.data, rx).signals["EngineSpeed"] == 2000.0
    second = CODEC.decode(CODEC.specs["ECM_Engine"], extra.data, rx)
    assert second.status is E2EStatus.OK and second.signals["EngineSpeed"] == 6000.0


def test_babble_floods_the_id_at_its_rate_on_a_fixed_grid() -> None:
    inj = _injector({"kind": "babble", "message": "DRV_Controls", "rate": 2000, "at": "10 ms", "for": "20 ms"})
    sent: list[int] = []
    while (t := inj.next_due_ns()) is not None:
        sent += [t] * len(inj.due(t).tx)
    assert len(sent) == 40 and sent[0] == 10 * MS and sent[1] - sent[0] == 500_000
    assert sent[-1] < 30 * MS


def test_silence_drops_every_message_of_the_node_and_nothing_else() -> None:
    inj = _injector({"kind": "silence", "node": "TCU"})
    for name in ("TCU_Status", "TCU_TorqueRequest", "TCU_Identity"):
        assert inj.on_tx(Frame(CODEC.specs[name].frame_id, bytes(8)), 0) == []
    frame = _engine_frame()
    assert inj.on_tx(frame, 0) == [frame]


def test_direction_defaults_to_where_the_sender_is_and_an_rx_fault_leaves_the_wire_alone() -> None:
    inj = _injector({"kind": "drop", "message": "ECM_Engine"}, emulated=frozenset({"TCU"}))
    assert inj.faults[0].direction == "rx"
    frame = _engine_frame()
    assert inj.on_tx(frame, 0) == [frame]
    assert inj.on_rx(frame, 0) == []


def test_clear_ends_a_fault_early_with_its_event_at_the_clear_time() -> None:
    inj = _injector({"kind": "drop", "message": "ECM_Engine"})
    assert [e.name for e in inj.due(0).events] == ["fault_injected"]
    assert inj.clear("F1", 40 * MS) and not inj.clear("F9", 40 * MS)
    (event,) = inj.due(40 * MS).events
    assert (event.name, event.t_ns, event.fields["kind"]) == ("fault_cleared", 40 * MS, "drop")
    assert inj.idle


def test_a_frame_of_the_wrong_length_passes_rewriting_faults_untouched() -> None:
    inj = _injector({"kind": "bad_crc", "message": "ECM_Engine"})
    assert inj.on_rx(Frame(0x80, b"\x01"), 0) == [Frame(0x80, b"\x01")]


_SPECS = [
    {"kind": "drop", "message": "HHB_Status"},
    {"kind": "delay", "message": "HHB_Status", "delay": "15 ms"},
    {"kind": "repeat", "message": "HHB_Status", "count": 2},
    {"kind": "counter_skip", "message": "HHB_Status"},
    {"kind": "bad_crc", "message": "HHB_Status"},
    {"kind": "bad_data_id", "message": "HHB_Status"},
    {"kind": "insert", "message": "HHB_Status"},
    {"kind": "stuck", "message": "HHB_Status", "signal": "RearBrakePressure", "value": 10},
    {"kind": "out_of_range", "message": "HHB_Status", "signal": "State"},
    {"kind": "babble", "message": "HHB_Status", "rate": 300},
    {"kind": "silence", "node": "HHB"},
]


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[int, bytes]]]:
    specs = [dict(s, at=f"{draw(st.integers(0, 50))} ms", **{"for": f"{draw(st.integers(1, 60))} ms"},
                  direction=draw(st.sampled_from(["tx", "rx"])))
             for s in draw(st.lists(st.sampled_from(_SPECS), min_size=1, max_size=4))]
    payloads = st.one_of(st.binary(min_size=8, max_size=8), st.binary(max_size=8))
    frames = draw(st.lists(st.tuples(st.integers(0, 100), payloads), max_size=20))
    return specs, sorted(frames)


def _replay(specs: list[dict[str, Any]], frames: list[tuple[int, bytes]]) -> list[tuple[int, str, bytes]]:
    inj = Injector(CODEC, EMULATED)
    for s in specs:
        inj.inject(parse_fault(s, CODEC), 0)
    out: list[tuple[int, str, bytes]] = []
    for t_ms, data in frames:
        t = t_ms * MS
        while (nxt := inj.next_due_ns()) is not None and nxt <= t:
            due = inj.due(nxt)
            out += [(nxt, "tx", f.data) for f in due.tx] + [(nxt, "rx", f.data) for f in due.rx]
            out += [(e.t_ns, e.name, e.fault_id.encode()) for e in due.events]
        out += [(t, "tx", f.data) for f in inj.on_tx(Frame(0x50, data), t)]
        out += [(t, "rx", f.data) for f in inj.on_rx(Frame(0x50, data), t)]
    return out


@settings(max_examples=150, deadline=None)
@given(_scenarios())
def test_any_mix_of_faults_and_frames_never_raises_and_replays_identically(
        case: tuple[list[dict[str, Any]], list[tuple[int, bytes]]]) -> None:
    specs, frames = case
    assert _replay(specs, frames) == _replay(specs, frames)


@pytest.mark.parametrize("spec", _SPECS, ids=lambda s: s["kind"])
def test_every_kind_leaves_frames_outside_its_window_alone(spec: dict[str, Any]) -> None:
    inj = _injector(dict(spec, at="1 s", **{"for": "1 s"}))
    frame = Frame(*CODEC.encode("HHB_Status", {"State": 2.0}))
    assert inj.on_tx(frame, 0) == [frame]
    inj.due(2_000 * MS)
    assert inj.on_tx(frame, 2_000 * MS) == [frame]
