"""DTC memory of one controller: 3-byte DTCs with the ISO 14229-1 status byte (D.2).

A monitor reports each test result (`report(code, failed)`); the store keeps the four status
bits we support. Pending and confirmed are set by the first failure (confirmation threshold
of one operation cycle); an ECU reset starts a new operation cycle; ClearDiagnosticInformation
clears every bit, and a fault still present sets them again at its next report.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DtcStatus(enum.IntFlag):
    TEST_FAILED = 0x01
    TEST_FAILED_THIS_OPERATION_CYCLE = 0x02
    PENDING = 0x04
    CONFIRMED = 0x08


AVAILABILITY_MASK = 0x0F  # the status bits this server supports (reported with every 0x19 answer)
# Status bytes are kept as plain ints: a test result is reported for every DTC at every step, and
# IntFlag arithmetic costs microseconds each.
_FAILED_NOW = 0x0F  # testFailed, testFailedThisOperationCycle, pending, confirmed
_TEST_FAILED = int(DtcStatus.TEST_FAILED)
_THIS_CYCLE = int(DtcStatus.TEST_FAILED_THIS_OPERATION_CYCLE)
_PENDING = int(DtcStatus.PENDING)


@dataclass(frozen=True, slots=True)
class DtcInfo:
    code: int  # 3 bytes: 2-byte DTC (SAE J2012 letter in the top bits) + failure type byte
    name: str
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.code <= 0xFFFFFF:
            raise ValueError(f"DTC 0x{self.code:X} is not 3 bytes")

    @property
    def display(self) -> str:
        """SAE J2012 form, e.g. 0xC10000 -> 'U0100-00'."""
        letter = "PCBU"[self.code >> 22]
        return f"{letter}{(self.code >> 8) & 0x3FFF:04X}-{self.code & 0xFF:02X}"


class DtcStore:
    """The DTCs a controller supports and their status bytes."""

    def __init__(self, supported: tuple[DtcInfo, ...]) -> None:
        self.supported = supported
        self._by_code = {d.code: d for d in supported}
        self._status = dict.fromkeys(self._by_code, 0)

    def report(self, code: int, failed: bool) -> None:
        """One completed test of the DTC's monitor: failed or passed."""
        status = self._status[code]
        self._status[code] = status | _FAILED_NOW if failed else status & ~_TEST_FAILED

    def status(self, code: int) -> DtcStatus:
        return DtcStatus(self._status[code])

    def matching(self, mask: int) -> list[tuple[int, int]]:
        """(code, status byte) of every DTC whose status has a bit of `mask`, in code order."""
        return [(c, s) for c, s in sorted(self._status.items()) if s & mask & AVAILABILITY_MASK]

    def all(self) -> list[tuple[int, int]]:
        """(code, status byte) of every supported DTC (ReadDTCInformation 0x0A)."""
        return sorted(self._status.items())

    def clear(self) -> None:
        """ClearDiagnosticInformation, group 0xFFFFFF."""
        self._status = dict.fromkeys(self._by_code, 0)

    def new_operation_cycle(self) -> None:
        """After an ECU reset: pending stays only for DTCs that failed in the cycle that just ended;
        testFailed is volatile (the next test sets it again); confirmed is kept."""
        volatile = _TEST_FAILED | _THIS_CYCLE
        for code, status in self._status.items():
            drop = volatile if status & _THIS_CYCLE else volatile | _PENDING
            self._status[code] = status & ~drop

    def info(self, code: int) -> DtcInfo:
        return self._by_code[code]
