"""A real TCU node wrapped with its diagnostics: monitors set DTCs from what the node receives,
a tester reads and clears them, ECUReset rebuilds the model, CommunicationControl stops its frames."""

from __future__ import annotations

import udsoncan
from udsoncan.services import ECUReset

from hil.bus.codec import Codec
from hil.bus.e2e import E2EStatus
from hil.diag.catalog import tcu
from hil.diag.node import DiagnosedNode
from hil.models.tcu import Tcu
from hil.nodes.tcu_node import TcuNode
from hil.runtime.node import RxStore, RxView
from tests.diag.support import IDENTITY, MS, VirtualTester, client_for
from tests.support import prepared

PREP = prepared()
CODEC: Codec = PREP.codec
LIMP_C = PREP.calibration.values.tcu.thermal.limp_c
TIMEOUTS = {"ECM_Engine": 30 * MS, "ABS_WheelSpeeds": 30 * MS, "DRV_Controls": 30 * MS, "HHB_Status": 30 * MS}


def _tcu_node() -> TcuNode:
    c = PREP.calibration.values
    return TcuNode(Tcu(c.tcu, c.hardware), PREP.calibration.hash32)


class _Bench:
    def __init__(self) -> None:
        self.store = RxStore({n: s.defaults for n, s in CODEC.specs.items()}, TIMEOUTS)
        self.built = 0
        self.node = DiagnosedNode(_tcu_node(), tcu(LIMP_C), IDENTITY, self._rebuild)
        self.tester = VirtualTester(self.node.endpoint)

    def _rebuild(self) -> TcuNode:
        self.built += 1
        return _tcu_node()

    def frames(self, t_ms: int, *names: str) -> None:
        for name in names:
            self.store.update(name, dict(CODEC.specs[name].defaults), t_ms * MS, E2EStatus.OK)

    def step(self, t_ms: int) -> None:
        self.node.step(t_ms * MS, RxView(self.store, t_ms * MS))
        self.tester.now_ns = t_ms * MS


def test_ecm_loss_sets_its_dtc_and_clear_works_once_the_ecm_is_back() -> None:
    bench = _Bench()
    bench.frames(0, "ECM_Engine", "ABS_WheelSpeeds", "DRV_Controls", "HHB_Status")
    bench.step(10)
    client = client_for(bench.tester)
    with client:
        assert client.get_number_of_dtc_by_status_mask(0x09).service_data.dtc_count == 0
        bench.frames(40, "ABS_WheelSpeeds")
        bench.step(50)  # ECM_Engine last seen at 0 ms: timed out after 30 ms
        (dtc,) = client.get_dtc_by_status_mask(0x01).service_data.dtcs
        assert dtc.id == 0xC10000 and dtc.status.confirmed
        client.clear_dtc(0xFFFFFF)
        bench.step(60)  # still lost: the monitor fails again
        assert client.get_number_of_dtc_by_status_mask(0x01).service_data.dtc_count == 1
        bench.frames(65, "ECM_Engine", "ABS_WheelSpeeds")
        bench.step(70)
        client.clear_dtc(0xFFFFFF)
        bench.step(80)
        assert client.get_number_of_dtc_by_status_mask(0xFF).service_data.dtc_count == 0


def test_live_dids_read_the_values_the_node_last_sent() -> None:
    bench = _Bench()
    bench.frames(0, "ECM_Engine", "ABS_WheelSpeeds")
    bench.step(10)
    client = client_for(bench.tester)
    client.config["data_identifiers"] = {0x0101: udsoncan.DidCodec(">B"), 0x0102: udsoncan.DidCodec(">B"),
                                         0x0103: udsoncan.DidCodec(">H")}
    with client:
        values = client.read_data_by_identifier([0x0101, 0x0102, 0x0103]).service_data.values
    sent = bench.node._sent["TCU_Status"]
    assert values[0x0101] == (int(sent["GearActual"]),)
    assert values[0x0102] == (round(sent["OilTemp"]) + 40,)
    assert values[0x0103] == (0,)


def test_ecu_reset_at_standstill_rebuilds_the_model_at_the_next_step() -> None:
    bench = _Bench()
    bench.frames(0, "ECM_Engine", "ABS_WheelSpeeds")
    bench.step(10)
    old = bench.node.node
    with client_for(bench.tester) as client:
        client.ecu_reset(ECUReset.ResetType.hardReset)
    assert bench.built == 0 and bench.node.resets == 1
    bench.step(20)
    assert bench.built == 1 and bench.node.node is not old


def test_communication_control_switches_the_nodes_normal_frames() -> None:
    bench = _Bench()
    bench.frames(0, "ECM_Engine", "ABS_WheelSpeeds")
    bench.step(10)
    normal = udsoncan.CommunicationType(subnet=0, normal_msg=True, network_management_msg=False)
    with client_for(bench.tester) as client:
        client.change_session(3)
        client.communication_control(0x01, normal)
        assert not bench.node.tx_enabled
        client.communication_control(0x00, normal)
        assert bench.node.tx_enabled
