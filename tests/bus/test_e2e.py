"""AUTOSAR E2E Profile 1: protect/check round trip and every receiver status."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hil.bus.e2e import E2EReceiver, E2EStatus, crc_ok, protect

payloads = st.binary(min_size=8, max_size=8).map(bytearray)
data_ids = st.integers(min_value=0, max_value=0x7FF)


@given(payloads, data_ids, st.integers(min_value=0, max_value=100))
def test_protected_frame_passes_its_crc_check(data: bytearray, data_id: int, counter: int) -> None:
    protect(data, data_id, counter)
    assert crc_ok(data, data_id)
    assert data[1] & 0x0F == counter % 15


@given(payloads, data_ids, st.integers(min_value=0, max_value=63))
def test_any_single_bit_flip_fails_the_crc(data: bytearray, data_id: int, bit: int) -> None:
    protect(data, data_id, 3)
    data[bit // 8] ^= 1 << (bit % 8)
    assert not crc_ok(data, data_id)


@given(payloads, data_ids)
def test_frame_with_another_data_id_fails_the_crc(data: bytearray, data_id: int) -> None:
    protect(data, data_id, 0)
    other = data_id ^ 0x01
    assert not crc_ok(data, other)


def _frames(data_id: int, counters: list[int]) -> list[bytes]:
    out = []
    for c in counters:
        d = bytearray(8)
        d[2] = 0x5A
        protect(d, data_id, c)
        out.append(bytes(d))
    return out


def test_receiver_statuses_for_good_repeated_skipped_and_jumped_counters() -> None:
    rx = E2EReceiver(0x60, max_delta_counter=2)
    f = _frames(0x60, [0, 1, 1, 3, 9, 10, 14, 0])
    statuses = [rx.check(x) for x in f]
    assert statuses == [
        E2EStatus.INITIAL, E2EStatus.OK, E2EStatus.REPEATED, E2EStatus.OK_SOME_LOST,
        E2EStatus.WRONG_SEQUENCE, E2EStatus.OK, E2EStatus.WRONG_SEQUENCE, E2EStatus.OK,
    ]
    assert [s.usable for s in statuses] == [True, True, False, True, False, True, False, True]


def test_receiver_counter_wraps_from_14_to_0() -> None:
    rx = E2EReceiver(0x70)
    statuses = [rx.check(x) for x in _frames(0x70, [13, 14, 15, 16])]  # 15, 16 -> 0, 1
    assert statuses == [E2EStatus.INITIAL, E2EStatus.OK, E2EStatus.OK, E2EStatus.OK]


def test_receiver_flags_bad_crc_and_wrong_data_id_as_error() -> None:
    rx = E2EReceiver(0x80)
    good = _frames(0x80, [0])[0]
    corrupted = bytearray(good)
    corrupted[5] ^= 0x10
    assert rx.check(bytes(corrupted)) is E2EStatus.ERROR
    assert rx.check(_frames(0x81, [1])[0]) is E2EStatus.ERROR
    assert rx.check(good) is E2EStatus.INITIAL, "errors leave the counter history alone"


def test_invalid_counter_value_15_is_an_error() -> None:
    from e2e.p01 import E2E_P01_DATAID_BOTH, e2e_p01_protect

    d = bytearray(8)
    d[1] = 0x0F
    e2e_p01_protect(d, 0x90, data_id_mode=E2E_P01_DATAID_BOTH, increment_counter=False)
    assert E2EReceiver(0x90).check(bytes(d)) is E2EStatus.ERROR
