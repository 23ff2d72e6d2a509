"""The UDS server as a real udsoncan client sees it, over a real can-isotp stack, in virtual time."""

from __future__ import annotations

import pytest
import udsoncan
from hypothesis import given, settings
from hypothesis import strategies as st
from udsoncan.exceptions import NegativeResponseException
from udsoncan.services import CommunicationControl, ECUReset, ReadDTCInformation

from hil.diag.dtc import DtcStatus
from tests.diag.support import IDENTITY, MS, VIN, Hooks, VirtualTester, client_for, make_endpoint


def _client(hooks: Hooks | None = None, **kw: int) -> tuple[udsoncan.client.Client, VirtualTester]:
    tester = VirtualTester(make_endpoint(hooks), **kw)
    return client_for(tester), tester


def _nrc(tester: VirtualTester, request: bytes) -> int:
    response = tester.raw(request)
    assert response is not None and response[0] == 0x7F and response[1] == request[0], response
    return response[2]


def test_identity_dids_read_back_as_written() -> None:
    client, _ = _client()
    with client:
        assert client.read_data_by_identifier(0xF190).service_data.values[0xF190] == VIN
        assert client.read_data_by_identifier(0xF188).service_data.values[0xF188] == "0.9.0"
        assert client.read_data_by_identifier(0xF18C).service_data.values[0xF18C] == "TCU-0001"
        values = client.read_data_by_identifier([0xF1A0, 0x0101]).service_data.values
    assert values[0xF1A0] == (IDENTITY.calibration_sha256[:8],)
    assert values[0x0101] == (4,)


def test_a_long_response_goes_out_as_first_and_consecutive_frames_padded_to_8_bytes() -> None:
    client, tester = _client()
    with client:
        client.read_data_by_identifier(0xF190)
    responses = [d for _, i, d in tester.wire if i == 0x7E9]
    assert [d[0] >> 4 for d in responses] == [1, 2, 2]  # FF then two CFs: 3 + 17 bytes
    assert all(len(d) == 8 for d in responses)


def test_consecutive_frames_keep_the_testers_stmin_in_virtual_time() -> None:
    client, tester = _client(stmin_ms=20)
    with client:
        client.read_data_by_identifier(0xF190)
    cf_times = [t for t, i, d in tester.wire if i == 0x7E9 and d[0] >> 4 == 2]
    assert [t - cf_times[0] for t in cf_times] == [0, 20 * MS]


def test_sessions_switch_and_fall_back_to_default_after_s3() -> None:
    client, tester = _client()
    with client:
        resp = client.change_session(3)
        assert resp.service_data.session_echo == 3
        assert resp.service_data.p2_server_max == 0.05 and resp.service_data.p2_star_server_max == 5.0
        assert tester.endpoint.server.session == 3
        tester.advance(4_000 * MS)
        client.tester_present()
        tester.advance(4_000 * MS)
        assert tester.endpoint.server.session == 3  # kept alive by the tester present
        tester.advance(1_001 * MS)
        assert tester.endpoint.server.session == 1


def test_programming_session_is_refused_as_not_supported() -> None:
    _, tester = _client()
    assert _nrc(tester, b"\x10\x02") == 0x12


def test_tester_present_with_suppress_bit_gets_no_response() -> None:
    _, tester = _client()
    assert tester.raw(b"\x3e\x80") is None
    assert tester.raw(b"\x3e\x00") == b"\x7e\x00"


def test_ecu_reset_answers_then_resets_the_node_once() -> None:
    hooks = Hooks()
    client, _ = _client(hooks)
    with client:
        client.ecu_reset(ECUReset.ResetType.hardReset)
    assert hooks.resets == 1


def test_ecu_reset_while_moving_is_refused_with_conditions_not_correct() -> None:
    hooks = Hooks()
    hooks.standstill = False
    client, _ = _client(hooks)
    with client, pytest.raises(NegativeResponseException) as info:
        client.ecu_reset(ECUReset.ResetType.hardReset)
    assert info.value.response.code == 0x22 and hooks.resets == 0


def test_communication_control_needs_the_extended_session_then_stops_and_resumes_frames() -> None:
    hooks = Hooks()
    client, tester = _client(hooks)
    normal = udsoncan.CommunicationType(subnet=0, normal_msg=True, network_management_msg=False)
    with client:
        with pytest.raises(NegativeResponseException) as info:
            client.communication_control(CommunicationControl.ControlType.enableRxAndDisableTx, normal)
        assert info.value.response.code == 0x7F
        client.change_session(3)
        client.communication_control(CommunicationControl.ControlType.enableRxAndDisableTx, normal)
        client.communication_control(CommunicationControl.ControlType.enableRxAndTx, normal)
        client.communication_control(CommunicationControl.ControlType.enableRxAndDisableTx, normal)
        tester.advance(5_000 * MS)  # S3: back to default, frames resume
    assert hooks.tx_states == [False, True, False, True]


def test_dtcs_by_status_mask_count_and_supported_list() -> None:
    client, tester = _client()
    store = tester.endpoint.server.dtcs
    store.report(0xC10000, failed=True)
    store.report(0xC10000, failed=False)
    with client:
        assert client.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 0
        assert client.get_number_of_dtc_by_status_mask(0x08).service_data.dtc_count == 1
        (dtc,) = client.get_dtc_by_status_mask(0x0C).service_data.dtcs
        assert dtc.id == 0xC10000
        assert (dtc.status.test_failed, dtc.status.test_failed_this_operation_cycle,
                dtc.status.pending, dtc.status.confirmed) == (False, True, True, True)
        supported = client.get_supported_dtc().service_data.dtcs
    assert [d.id for d in supported] == [0x021800, 0xC10000]


def test_clear_dtcs_clears_every_bit_and_a_present_fault_sets_them_again() -> None:
    client, tester = _client()
    store = tester.endpoint.server.dtcs
    store.report(0x021800, failed=True)
    with client:
        client.clear_dtc(0xFFFFFF)
        assert store.status(0x021800) == DtcStatus(0)
        store.report(0x021800, failed=True)
        assert client.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 1


@pytest.mark.parametrize(("request_", "nrc"), [
    (b"\x31\x01\x02\x03", 0x11),  # RoutineControl: not supported here
    (b"\x85\x01", 0x11),  # ControlDTCSetting
    (b"\x22\xf1", 0x13),  # odd DID length
    (b"\x22", 0x13),
    (b"\x22\x12\x34", 0x31),  # unknown DID
    (b"\x10", 0x13),
    (b"\x10\x03\x00", 0x13),
    (b"\x11\x02", 0x12),  # keyOffOnReset
    (b"\x19\x04\x00\x00\x00\x01", 0x12),  # snapshot records: not supported
    (b"\x19\x02", 0x13),
    (b"\x14\xff\xff", 0x13),
    (b"\x14\x00\x01\x00", 0x31),  # one group only: refused
    (b"\x28\x00\x01", 0x7F),  # CommunicationControl in the default session
    (b"\x3e\x01", 0x12),
])
def test_negative_responses(request_: bytes, nrc: int) -> None:
    _, tester = _client()
    assert _nrc(tester, request_) == nrc


def test_communication_control_with_a_bad_type_or_subfunction_in_extended_session() -> None:
    _, tester = _client()
    tester.raw(b"\x10\x03")
    assert _nrc(tester, b"\x28\x00\x02") == 0x31  # network management only
    assert _nrc(tester, b"\x28\x03\x01") == 0x12  # disableRxAndTx: not supported


def test_functional_requests_are_answered_on_the_physical_response_id_and_quiet_on_nrc_0x11() -> None:
    tester = VirtualTester(make_endpoint(), functional=True)
    assert tester.raw(b"\x3e\x00") == b"\x7e\x00"
    assert tester.raw(b"\x31\x01\x02\x03") is None  # unknown service: no answer when functional
    assert tester.raw(b"\x10\x04") is None  # unsupported sub-function: no answer either
    assert tester.raw(b"\x14\xff\xff") == b"\x7f\x14\x13"  # a wrong length is still answered
    assert {i for _, i, _ in tester.wire} == {0x7DF, 0x7E9}


def test_read_dtc_subfunction_names_match_udsoncan() -> None:
    assert ReadDTCInformation.Subfunction.reportNumberOfDTCByStatusMask == 0x01
    assert ReadDTCInformation.Subfunction.reportDTCByStatusMask == 0x02
    assert ReadDTCInformation.Subfunction.reportSupportedDTCs == 0x0A


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=20), st.booleans())
def test_any_request_gets_a_well_formed_answer_or_none_and_never_raises(payload: bytes, functional: bool) -> None:
    server = make_endpoint().server
    response = server.handle(payload, 0, functional=functional)
    server.after_response()
    if response is not None:
        assert response[0] == payload[0] + 0x40 or (response[0] == 0x7F and response[1] == payload[0])
