"""AUTOSAR E2E Profile 1 (Data ID mode BOTH, Data ID = frame ID, header at byte 0).

The CRC comes from the `autosar-e2e` package; this module adds the receiver's
counter state machine, which that package leaves to the caller.
"""

from __future__ import annotations

import enum

from e2e.p01 import E2E_P01_DATAID_BOTH, e2e_p01_check, e2e_p01_protect

COUNTER_MODULO = 15  # P01 counter runs 0..14; 15 is invalid


class E2EStatus(enum.IntEnum):
    """Per-message check result, after AUTOSAR's E2E_P01CheckStatusType."""

    NO_DATA = 0  # nothing received yet, or timed out
    INITIAL = 1  # first good frame: no counter history to compare
    OK = 2
    OK_SOME_LOST = 3  # a few frames lost, within max_delta_counter
    REPEATED = 4  # same counter again: stale data
    WRONG_SEQUENCE = 5  # counter jumped too far
    ERROR = 6  # CRC mismatch (corrupted frame or wrong Data ID)

    @property
    def usable(self) -> bool:
        return self in _USABLE


_USABLE = frozenset({E2EStatus.INITIAL, E2EStatus.OK, E2EStatus.OK_SOME_LOST})


def protect(data: bytearray, data_id: int, counter: int) -> None:
    """Write `counter` into the low nibble of byte 1 and the CRC-8 into byte 0, in place."""
    data[1] = (data[1] & 0xF0) | (counter % COUNTER_MODULO)
    e2e_p01_protect(data, data_id, data_id_mode=E2E_P01_DATAID_BOTH, increment_counter=False)


def crc_ok(data: bytes | bytearray, data_id: int) -> bool:
    return bool(e2e_p01_check(bytearray(data), data_id, data_id_mode=E2E_P01_DATAID_BOTH))


class E2EReceiver:
    """Counter history of one protected message on the receiving side."""

    __slots__ = ("data_id", "last_counter", "max_delta")

    def __init__(self, data_id: int, max_delta_counter: int = 2) -> None:
        self.data_id = data_id
        self.max_delta = max_delta_counter
        self.last_counter: int | None = None

    def check(self, data: bytes | bytearray) -> E2EStatus:
        if not crc_ok(data, self.data_id):
            return E2EStatus.ERROR
        counter = data[1] & 0x0F
        if counter >= COUNTER_MODULO:
            return E2EStatus.ERROR
        last = self.last_counter
        self.last_counter = counter
        if last is None:
            return E2EStatus.INITIAL
        delta = (counter - last) % COUNTER_MODULO
        if delta == 0:
            return E2EStatus.REPEATED
        if delta == 1:
            return E2EStatus.OK
        if delta <= self.max_delta:
            return E2EStatus.OK_SOME_LOST
        # Resynchronise on this counter: the next consecutive frame is OK again.
        return E2EStatus.WRONG_SEQUENCE

    def reset(self) -> None:
        """Forget the history (after a timeout the next frame starts a new sequence)."""
        self.last_counter = None
