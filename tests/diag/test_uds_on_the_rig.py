"""A udsoncan client over the rig's virtual bus, in virtual time: services, DIDs, DTCs set by
injected faults, ECUReset restarting a model, CommunicationControl silencing a node."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import udsoncan
from udsoncan.exceptions import NegativeResponseException
from udsoncan.services import ECUReset

from hil import __version__
from hil.runtime.rig import Rig
from tests.diag.rig_tester import MS, RigTester, client
from tests.support import RALLY, player_bus, prepared

S = 1_000 * MS
NORMAL = udsoncan.CommunicationType(subnet=0, normal_msg=True, network_management_msg=False)


@pytest.fixture
def rig() -> Iterator[Rig]:
    with Rig(prepared(), trace=False) as running:
        running.advance(200 * MS)  # at a standstill: the default stage launches after 1 s
        yield running


def test_identity_dids_come_from_the_rig_and_the_calibration(rig: Rig) -> None:
    tester = RigTester(rig, "HHB")
    sha = hashlib.sha256(rig.prepared.calibration.path.read_bytes()).digest()
    with client(tester, {0xF188: udsoncan.AsciiCodec(len(__version__))}) as c:
        values = c.read_data_by_identifier([0xF190]).service_data.values
        assert values[0xF190] == rig.prepared.rig.spec.rig.vin
        assert c.read_data_by_identifier(0xF1A0).service_data.values[0xF1A0] == (sha[:8],)
        assert c.read_data_by_identifier(0xF188).service_data.values[0xF188] == __version__
    frame = rig.session.store.values["HHB_Identity"]
    assert int(frame["CalibrationHash"]) == int.from_bytes(sha[:4], "big")  # the frame carries the first 4


def test_live_dids_of_each_controller(rig: Rig) -> None:
    rig.advance(8 * S)  # launched: a few upshifts, oil warming
    raw = {d: udsoncan.DidCodec(">B") for d in (0x0101, 0x0102, 0x0201, 0x0203, 0x0301)}
    raw |= {d: udsoncan.DidCodec(">H") for d in (0x0103, 0x0202, 0x0302, 0x0303, 0x0304)}
    values = {}
    for node, dids in (("TCU", [0x0101, 0x0102, 0x0103]), ("HHB", [0x0201, 0x0202, 0x0203]),
                       ("DCU", [0x0301, 0x0302, 0x0303, 0x0304])):
        with client(RigTester(rig, node), raw) as c:
            values |= c.read_data_by_identifier(dids).service_data.values
    tcu = rig.session.store.values["TCU_Status"]
    assert values[0x0101] == (int(tcu["GearActual"]),) and values[0x0102] == (round(tcu["OilTemp"]) + 40,)
    assert values[0x0103][0] >= 1  # shifts since power-up
    assert values[0x0201] == (0,) and values[0x0203] == (0,)
    assert values[0x0302] == (round(rig.session.store.values["DCU_Status"]["CentreCouplingTorque"]),)


def test_an_injected_fault_sets_its_dtc_which_clears_only_once_the_cause_is_gone(rig: Rig) -> None:
    tester = RigTester(rig, "TCU")
    with client(tester) as c:
        assert c.get_number_of_dtc_by_status_mask(0xFF).service_data.dtc_count == 0
        rig.inject_fault({"kind": "silence", "node": "ECM", "for": "1 s"})
        rig.advance(rig.clock.now_ns() + 100 * MS)
        (dtc,) = c.get_dtc_by_status_mask(0x01).service_data.dtcs
        assert dtc.id == 0xC10000 and dtc.status.test_failed and dtc.status.confirmed
        c.clear_dtc(0xFFFFFF)
        rig.advance(rig.clock.now_ns() + 20 * MS)
        assert c.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 1  # still lost
        rig.advance(rig.clock.now_ns() + 1 * S)
        assert c.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 0  # back: passes
        assert c.get_number_of_dtc_by_status_mask(0x08).service_data.dtc_count == 1  # ...but confirmed
        c.clear_dtc(0xFFFFFF)
        assert c.get_number_of_dtc_by_status_mask(0xFF).service_data.dtc_count == 0


@pytest.mark.parametrize(("node", "fault", "code"), [
    ("HHB", {"kind": "bad_crc", "message": "DRV_Controls", "for": "200 ms"}, 0xD10000),
    ("HHB", {"kind": "stuck", "message": "DRV_Controls", "signal": "HandbrakeLever", "value": 150,
             "for": "200 ms"}, 0x510129),
    ("HHB", {"kind": "silence", "node": "ABS", "for": "200 ms", "at": "100 ms"}, 0xD12100),  # lever pulled
    ("TCU", {"kind": "drop", "message": "ABS_WheelSpeeds", "for": "200 ms"}, 0xC12100),
    ("DCU", {"kind": "silence", "node": "TCU", "for": "200 ms"}, 0xC10100),
    ("DCU", {"kind": "silence", "node": "HHB", "for": "200 ms"}, 0xD10200),
])
def test_each_input_fault_sets_the_dtc_of_the_controller_that_sees_it(
        rig: Rig, node: str, fault: dict[str, str], code: int) -> None:
    rig.advance(1_500 * MS)  # moving
    if code == 0xD12100:  # speeds lost only count while the handbrake acts: pull the lever first
        rig.inject_fault({"kind": "stuck", "message": "DRV_Controls", "signal": "HandbrakeLever", "value": 60})
    rig.inject_fault(fault)
    rig.advance(rig.clock.now_ns() + 150 * MS)
    with client(RigTester(rig, node)) as c:
        ids = [d.id for d in c.get_dtc_by_status_mask(0x08).service_data.dtcs]
    assert code in ids


def test_ecu_reset_restarts_the_model_and_its_counters(rig: Rig) -> None:
    tester = RigTester(rig, "TCU")
    rig.advance(8 * S)
    with client(tester, {0x0103: udsoncan.DidCodec(">H")}) as c:
        with pytest.raises(NegativeResponseException) as moving:
            c.ecu_reset(ECUReset.ResetType.hardReset)  # the car is moving: conditions not correct
        assert moving.value.response.code == 0x22
        assert c.read_data_by_identifier(0x0103).service_data.values[0x0103][0] >= 1
    prep = prepared()
    with Rig(prep, trace=False) as parked, player_bus(prep) as listener:
        parked.advance(500 * MS)
        node = parked.diagnostics.diagnosed["TCU"]
        before = node.node
        with client(RigTester(parked, "TCU")) as c:
            c.ecu_reset(ECUReset.ResetType.hardReset)
        while listener.recv(0) is not None:  # what went out before the reset
            pass
        parked.advance(parked.clock.now_ns() + 30 * MS)
        assert node.resets == 1 and node.node is not before
        counters = [m.data[1] & 0x0F for m in iter(lambda: listener.recv(0), None) if m.arbitration_id == 0xB0]
        assert counters == [0, 1, 2]  # the E2E counter starts again, as after a real power-up


def test_communication_control_stops_and_resumes_the_nodes_normal_frames(rig: Rig) -> None:
    tester = RigTester(rig, "DCU")
    with client(tester) as c:
        c.change_session(3)
        c.communication_control(0x01, NORMAL)
        rig.advance(rig.clock.now_ns() + 100 * MS)
        assert rig.session.store.status["DCU_Status"].name == "OK"  # the last good frame...
        assert rig.session.store.deadline_ns["DCU_Status"] < rig.clock.now_ns()  # ...is too old now
        assert c.read_data_by_identifier(0xF190)  # the diagnostic channel still answers
        c.communication_control(0x00, NORMAL)
        rig.advance(rig.clock.now_ns() + 20 * MS)
        assert rig.session.store.deadline_ns["DCU_Status"] > rig.clock.now_ns()
    assert rig.diagnostics.gate.muted_frames >= 10


def test_services_and_negative_responses_over_the_bus(rig: Rig) -> None:
    tester = RigTester(rig, "TCU")
    assert tester.raw(b"\x3e\x00") == b"\x7e\x00"
    assert tester.raw(b"\x3e\x80") is None
    assert tester.raw(b"\x10\x03")[:2] == b"\x50\x03"  # type: ignore[index]
    assert tester.raw(b"\x31\x01\x00\x00") == b"\x7f\x31\x11"
    assert tester.raw(b"\x22\xf1") == b"\x7f\x22\x13"
    assert tester.raw(b"\x22\x12\x34") == b"\x7f\x22\x31"
    assert tester.raw(b"\x10\x01")[:2] == b"\x50\x01"  # type: ignore[index]
    assert tester.raw(b"\x28\x01\x01") == b"\x7f\x28\x7f"
    functional = RigTester(rig, "TCU", functional=True)
    assert functional.raw(b"\x3e\x00") == b"\x7e\x00"  # the first of three answers (TCU's)


def test_an_over_temperature_sets_p0218_and_a_live_limp_threshold_moves_the_monitor(tmp_path: Path) -> None:
    hot = tmp_path / "hot.toml"
    hot.write_text(RALLY.read_text().replace("initial_oil_temp_c = 85.0", "initial_oil_temp_c = 140.0"))
    with Rig(prepared(calibration=hot), trace=False) as running:
        running.advance(100 * MS)
        with client(RigTester(running, "TCU")) as c:
            (dtc,) = c.get_dtc_by_status_mask(0x01).service_data.dtcs
            assert dtc.id == 0x021800
            running.set_calibration("tcu.thermal.limp_c", 160.0)  # 140 degC is no longer too hot
            running.advance(running.clock.now_ns() + 20 * MS)
            assert c.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 0
