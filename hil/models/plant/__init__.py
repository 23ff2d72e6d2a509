"""The plant (ECM and the world): engine, converter, gearbox, diffs, tyres and body, closed-loop.

One module per part; `Plant` (model.py) steps them together inside each node step.
"""

from hil.models.plant.model import SUBSTEP_S, Plant, PlantInputs, PlantOutputs

__all__ = ["SUBSTEP_S", "Plant", "PlantInputs", "PlantOutputs"]
