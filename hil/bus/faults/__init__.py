"""Fault injection between the session and the bus (ISO 26262-6 Annex D communication faults).

One schema (`FaultSpec`) for stage files, MQTT and the API; pure fault objects; one `Injector`
per run that the run's owner consults for every frame in each direction.
"""

from hil.bus.faults.injector import Due, FaultEvent, Injector
from hil.bus.faults.kinds import Fault, Frame
from hil.bus.faults.spec import KINDS, FaultSpec, check_fault, parse_fault

__all__ = ["KINDS", "Due", "Fault", "FaultEvent", "FaultSpec", "Frame", "Injector", "check_fault", "parse_fault"]
