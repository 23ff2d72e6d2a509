"""can-isotp's state machine in virtual time: its timers read the link's clock, never the wall's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hil.diag.isotp_link import IsoTpLink
from tests.diag.support import MS, make_endpoint

FIRST_FRAME_OF_20 = bytes((0x10, 20, 0x22, 0xF1, 0x90, 0, 0, 0))


def test_a_first_frame_is_answered_by_a_flow_control_at_once() -> None:
    link = IsoTpLink(0x7E1, 0x7E9)
    assert link.feed(FIRST_FRAME_OF_20, 0) == [(0x7E9, bytes((0x30, 0, 0)) + bytes([0xAA] * 5))]


def test_consecutive_frame_timeout_fires_at_n_cr_in_virtual_time_only() -> None:
    link = IsoTpLink(0x7E1, 0x7E9)
    link.feed(FIRST_FRAME_OF_20, 0)
    assert link.next_due_ns() == 1_000 * MS
    link.process(999 * MS)
    assert link.errors == 0 and link.busy  # the wall clock may have run on: the link does not care
    link.process(1_000 * MS)
    assert link.errors == 1 and "ConsecutiveFrameTimeout" in link.last_error and not link.busy


def test_a_sender_waits_for_flow_control_until_n_bs_then_gives_up() -> None:
    link = IsoTpLink(0x7E9, 0x7E1)
    (first,) = link.send(bytes(range(20)), 0)
    assert first[1][0] >> 4 == 1 and link.next_due_ns() == 1_000 * MS
    link.process(1_000 * MS)
    assert "FlowControlTimeout" in link.last_error and not link.busy


def test_every_timer_of_the_protocol_is_virtual_in_every_state() -> None:
    link = IsoTpLink(0x7E1, 0x7E9)
    link.feed(FIRST_FRAME_OF_20, 0)  # receiving: N_Cr running
    link.send(bytes(30), 0)
    link.feed(bytes((0x30, 1, 5)), 1 * MS)  # sending with a block size and STmin
    link.feed(bytes((0x21, 0, 0, 0, 0, 0, 0, 0)), 2 * MS)
    assert link.wall_clock_timers() == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x7E1, 0x7DF]), st.binary(max_size=12), st.integers(0, 3_000)),
                max_size=25))
def test_garbage_on_the_diagnostic_ids_is_survived_and_replays_identically(
        frames: list[tuple[int, bytes, int]]) -> None:
    def run() -> list[tuple[int, bytes]]:
        endpoint = make_endpoint()
        out: list[tuple[int, bytes]] = []
        t = 0
        for frame_id, data, dt_ms in frames:
            t += dt_ms * MS
            out += endpoint.poll(t) + endpoint.on_frame(frame_id, data, t)
        return out

    first = run()
    assert first == run()
    assert all(frame_id == 0x7E9 and len(data) == 8 for frame_id, data in first)
