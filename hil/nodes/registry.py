"""Builds the node models a rig emulates from its calibration and stage."""

from __future__ import annotations

from hil.config.calibration import Calibration
from hil.models.dcu import Dcu
from hil.models.driver import Driver
from hil.models.handbrake import Hhb
from hil.models.plant import Plant
from hil.models.tcu import Tcu
from hil.models.world import StageSource
from hil.nodes.dcu_node import DcuNode
from hil.nodes.driver_node import DriverNode
from hil.nodes.hhb_node import HhbNode
from hil.nodes.plant_node import PlantNode
from hil.nodes.tcu_node import TcuNode
from hil.runtime.node import NodeModel


def build_nodes(emulate: frozenset[str], cal: Calibration, stage: StageSource) -> list[NodeModel]:
    """Models in causal order: driver, plant, then controllers (ties at one instant run in this order)."""
    c = cal.values
    out: list[NodeModel] = []
    if "DRV" in emulate:
        out.append(DriverNode(Driver(c.driver, stage)))
    if emulate & {"ECM", "ABS"}:
        out.append(PlantNode(Plant(c.engine, c.driveline, c.vehicle, c.hardware), stage))
    if "TCU" in emulate:
        out.append(TcuNode(Tcu(c.tcu, c.hardware), cal.hash32))
    if "HHB" in emulate:
        out.append(HhbNode(Hhb(c.hhb), cal.hash32))
    if "DCU" in emulate:
        out.append(DcuNode(Dcu(c.dcu, c.hardware, c.driveline), cal.hash32))
    return out
