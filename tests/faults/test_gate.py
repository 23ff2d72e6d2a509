"""The bus gate: tx/rx faults, diagnostic requests routed to their endpoint, CommunicationControl."""

from __future__ import annotations

from hil.bus.codec import Codec
from hil.bus.faults import Frame, Injector, parse_fault
from hil.bus.faults.gate import BusGate
from tests.diag.support import make_endpoint
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
ALL = frozenset({"DRV", "ECM", "ABS", "TCU", "HHB", "DCU"})
TESTER_PRESENT = Frame(0x7E1, bytes((0x02, 0x3E, 0x00, 0, 0, 0, 0, 0)))


def _gate(*faults: dict[str, str], muted: frozenset[int] = frozenset()) -> BusGate:
    inj = Injector(CODEC, ALL)
    for f in faults:
        inj.inject(parse_fault(f, CODEC), 0)
    return BusGate(inj, [make_endpoint()], muted=lambda frame_id: frame_id in muted)


def test_a_diagnostic_request_is_answered_and_never_delivered_to_the_nodes() -> None:
    passage = _gate().incoming(TESTER_PRESENT, 0)
    assert passage.deliver == []
    assert passage.send == [Frame(0x7E9, bytes((0x02, 0x7E, 0x00)) + bytes([0xAA] * 5))]


def test_a_short_unpadded_request_on_the_functional_id_is_answered_too() -> None:
    passage = _gate().incoming(Frame(0x7DF, bytes((0x02, 0x3E, 0x00))), 0)
    assert [f.frame_id for f in passage.send] == [0x7E9]


def test_faults_reach_diagnostic_frames_like_any_other() -> None:
    assert _gate({"kind": "drop", "message": "TCU_DiagResponse"}).incoming(TESTER_PRESENT, 0).send == []
    rx_drop = _gate({"kind": "drop", "message": "TCU_DiagRequest", "direction": "rx"})
    assert rx_drop.incoming(TESTER_PRESENT, 0).send == []


def test_other_frames_pass_to_the_nodes_through_the_rx_faults() -> None:
    frame = Frame(0x80, bytes(8))
    assert _gate().incoming(frame, 0).deliver == [frame]
    assert _gate({"kind": "drop", "message": "ECM_Engine", "direction": "rx"}).incoming(frame, 0).deliver == []


def test_a_muted_sender_sends_nothing_and_is_counted() -> None:
    gate = _gate(muted=frozenset({0xB0}))
    assert gate.outgoing(Frame(0xB0, bytes(8)), 0) == [] and gate.muted_frames == 1
    assert gate.outgoing(Frame(0x90, bytes(8)), 0) == [Frame(0x90, bytes(8))]


def test_due_collects_fault_events_and_iso_tp_timer_work() -> None:
    gate = _gate({"kind": "drop", "message": "ECM_Engine", "at": "5 ms", "for": "5 ms"})
    assert gate.next_due_ns() == 5_000_000
    assert [e.name for e in gate.due(5_000_000).events] == ["fault_injected"]
    first_frame = Frame(0x7E1, bytes((0x10, 0x08, 0x22, 0xF1, 0x90, 0xF1, 0x88, 0xF1)))
    assert [f.data[0] for f in gate.incoming(first_frame, 6_000_000).send] == [0x30]  # flow control
    assert gate.next_due_ns() == 10_000_000  # the fault's end comes before N_Cr
