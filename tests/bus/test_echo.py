"""A process's own frames coming back from the bus are recognised, in order, and only those."""

from __future__ import annotations

from hil.bus.echo import OwnEchoes


def test_an_echo_is_taken_once_and_a_foreign_frame_is_not_an_echo() -> None:
    echoes = OwnEchoes()
    echoes.sent(0x80, b"\x01" * 8)
    assert not echoes.take(0x80, b"\x02" * 8), "same ID, other bytes: another sender"
    assert not echoes.take(0x90, b"\x01" * 8), "other ID"
    assert echoes.take(0x80, b"\x01" * 8)
    assert not echoes.take(0x80, b"\x01" * 8), "each echo comes back once"


def test_echoes_of_lost_datagrams_are_skipped_over() -> None:
    echoes = OwnEchoes()
    for counter in range(4):
        echoes.sent(0x80, bytes([counter]) * 8)
    assert echoes.take(0x80, bytes([2]) * 8)  # 0 and 1 never came back
    assert not echoes.take(0x80, bytes([0]) * 8)
    assert echoes.take(0x80, bytes([3]) * 8)
