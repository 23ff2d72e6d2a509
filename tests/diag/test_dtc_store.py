"""DTC status bytes after ISO 14229-1 D.2, for the four bits the controllers support."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hil.diag.dtc import DtcInfo, DtcStatus, DtcStore

ECM_LOST = DtcInfo(0xC10000, "ecm_lost", "Lost communication with ECM")
OVERTEMP = DtcInfo(0x021800, "overtemp", "Transmission fluid over temperature")


def _store() -> DtcStore:
    return DtcStore((ECM_LOST, OVERTEMP))


def test_display_form_follows_sae_j2012() -> None:
    assert (ECM_LOST.display, OVERTEMP.display) == ("U0100-00", "P0218-00")
    assert DtcInfo(0x510129, "x", "y").display == "C1101-29"


def test_a_failure_sets_all_four_bits_and_passing_clears_only_test_failed() -> None:
    store = _store()
    store.report(ECM_LOST.code, failed=True)
    assert store.status(ECM_LOST.code) == 0x0F
    store.report(ECM_LOST.code, failed=False)
    assert store.status(ECM_LOST.code) == 0x0E
    assert store.status(OVERTEMP.code) == 0


def test_operation_cycles_age_pending_but_keep_confirmed() -> None:
    store = _store()
    store.report(ECM_LOST.code, failed=True)
    store.new_operation_cycle()
    assert store.status(ECM_LOST.code) == DtcStatus.PENDING | DtcStatus.CONFIRMED
    store.new_operation_cycle()  # a whole cycle without the failure
    assert store.status(ECM_LOST.code) == DtcStatus.CONFIRMED


def test_matching_and_clear() -> None:
    store = _store()
    store.report(OVERTEMP.code, failed=True)
    assert store.matching(0x01) == [(OVERTEMP.code, 0x0F)]
    assert store.matching(0xF0) == []  # bits this server does not support match nothing
    store.clear()
    assert store.all() == [(OVERTEMP.code, 0), (ECM_LOST.code, 0)]


@given(st.lists(st.sampled_from(["fail", "pass", "cycle", "clear"]), max_size=40))
def test_status_invariants_hold_for_any_history(history: list[str]) -> None:
    store = _store()
    for step in history:
        if step == "cycle":
            store.new_operation_cycle()
        elif step == "clear":
            store.clear()
        else:
            store.report(ECM_LOST.code, failed=step == "fail")
    status = store.status(ECM_LOST.code)
    assert status & ~0x0F == 0
    if status & DtcStatus.TEST_FAILED:
        assert status & DtcStatus.TEST_FAILED_THIS_OPERATION_CYCLE and status & DtcStatus.CONFIRMED
    if status & DtcStatus.PENDING:
        assert status & DtcStatus.CONFIRMED  # confirmation threshold: one failure
