"""Puts diagnostics and fault injection into a run: wraps the emulated controllers, builds the gate.

Used by the Rig only; kept here so the Rig stays one owner that calls one function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from hil.bus.codec import Codec
from hil.bus.faults.gate import BusGate
from hil.bus.faults.injector import Injector
from hil.diag.catalog import catalog
from hil.diag.node import DiagnosedNode
from hil.diag.server import Identity
from hil.runtime.node import NodeModel
from hil.version import __version__


@dataclass(frozen=True, slots=True)
class Diagnostics:
    nodes: list[NodeModel]  # the run's nodes, controllers wrapped
    diagnosed: dict[str, DiagnosedNode]  # by DBC node name
    gate: BusGate

    @property
    def injector(self) -> Injector:
        return self.gate.injector


def wire(nodes: Sequence[NodeModel], codec: Codec, emulate: frozenset[str], *, vin: str,
         calibration_sha256: str, limp_c: float, rebuild: Callable[[str], NodeModel]) -> Diagnostics:
    """Wrap each emulated TCU/HHB/DCU with its UDS server and monitors; one gate for the run."""
    diags = catalog(limp_c)
    sha = bytes.fromhex(calibration_sha256)
    out: list[NodeModel] = []
    diagnosed: dict[str, DiagnosedNode] = {}
    for node in nodes:
        diag = diags.get(node.name)
        if diag is None or node.name not in emulate:
            out.append(node)
            continue
        identity = Identity(vin, __version__, f"D7XR-{node.name}-{vin[-6:]}", sha)
        own = frozenset(s.frame_id for s in codec.sent_by({node.name}) if s.frame_id != diag.response_id)
        wrapped = DiagnosedNode(node, diag, identity, rebuild=partial(rebuild, node.name),
                                on_reset=partial(codec.restart_counters, own))
        diagnosed[node.name] = wrapped
        out.append(wrapped)
    owner = {s.frame_id: n for n in diagnosed.values() for s in codec.sent_by({n.name})
             if s.frame_id != n.diag.response_id}

    def muted(frame_id: int) -> bool:
        node = owner.get(frame_id)
        return node is not None and not node.tx_enabled

    gate = BusGate(Injector(codec, emulate), [n.endpoint for n in diagnosed.values()], muted)
    return Diagnostics(out, diagnosed, gate)
