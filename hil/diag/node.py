"""An emulated controller as a tester sees it: the node, its UDS endpoint, DTC monitors, live DIDs.

Wraps a node binding without changing it: each step runs the node, then its DTC monitors on
what the node received and sent. ECUReset rebuilds the node's model at its next step (state
and counters from scratch); CommunicationControl sets `tx_enabled`, which the run's owner
honours when sending the node's normal frames.
"""

from __future__ import annotations

from collections.abc import Callable

from hil.bus.codec import Signals
from hil.config.calibration import CalibrationSet
from hil.diag.catalog import NodeDiag, for_calibration
from hil.diag.dtc import DtcStore
from hil.diag.endpoint import DiagEndpoint
from hil.diag.server import Identity, LiveDid, UdsServer
from hil.runtime.node import NodeModel, RxView, Tx

STANDSTILL_KPH = 3.0  # ECUReset / CommunicationControl only below this (else NRC 0x22)


class DiagnosedNode:
    def __init__(self, node: NodeModel, diag: NodeDiag, identity: Identity,
                 rebuild: Callable[[], NodeModel], on_reset: Callable[[], None] = lambda: None) -> None:
        self.node = node
        self.name = node.name
        self.nodes = node.nodes
        self.period_ns = node.period_ns
        self.accepts = node.accepts
        self.diag = diag
        self.tx_enabled = True
        self.resets = 0
        self._rebuild = rebuild
        self._on_reset = on_reset
        self._reset_due = False
        self._sent: dict[str, Signals] = {}
        self._shifts = 0
        self._standstill = False
        self.dtcs = DtcStore(tuple(d.info for d in diag.dtcs))
        live: dict[int, LiveDid] = {d.did: self._reader(d.read) for d in diag.dids}
        self.server = UdsServer(identity, self.dtcs, self, live)
        self.endpoint = DiagEndpoint(self.server, diag.request_id, diag.response_id)

    def _reader(self, read: Callable[[dict[str, Signals], int], bytes]) -> LiveDid:
        return lambda: read(self._sent, self._shifts)

    def step(self, now_ns: int, rx: RxView) -> Tx:
        if self._reset_due:
            self._reset_due = False
            self.node = self._rebuild()
            self._sent, self._shifts = {}, 0
            self.endpoint.reset()
            self._on_reset()
        tx = self.node.step(now_ns, rx)
        self._sent.update(tx.cyclic)
        self._shifts += sum(1 for name, _ in tx.events if name.endswith("_ShiftEvent"))
        for dtc in self.diag.dtcs:
            self.dtcs.report(dtc.info.code, dtc.failed(rx, self._sent))
        speed_known = not rx.timed_out("ABS_WheelSpeeds")
        self._standstill = speed_known and rx.signals("ABS_WheelSpeeds")["VehicleSpeed"] < STANDSTILL_KPH
        return tx

    def apply_calibration(self, values: CalibrationSet) -> None:
        self.node.apply_calibration(values)
        self.diag = for_calibration(self.name, values)  # same DTCs; monitors with the new thresholds

    # ---- what the UDS server may do (NodeHooks) -------------------------------------------

    def conditions_ok(self) -> bool:
        return self._standstill

    def hard_reset(self) -> None:
        self.resets += 1
        self._reset_due = True

    def set_normal_tx(self, enabled: bool) -> None:
        self.tx_enabled = enabled
