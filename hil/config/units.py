"""Bounded number types for config tuple and table elements (a field's own bounds go on its Field).

Each carries the physical range of one kind of value, so `tuple[Rpm, ...]` refuses 1e308 as
surely as `Field(ge=.., le=..)` does on a scalar; docs/ranges.md lists them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Rpm = Annotated[float, Field(ge=0, le=10_000)]  # engine speed
OutputRpm = Annotated[float, Field(ge=1, le=25_000)]  # gearbox output speed (top gear, overdrive)
TorqueNm = Annotated[float, Field(ge=0, le=1_000)]  # engine crank torque (ECM_Engine.EngineTorqueMax)
GearRatio = Annotated[float, Field(ge=0.3, le=8)]
PedalPct = Annotated[float, Field(ge=0, le=100)]
ForwardGear = Annotated[int, Field(ge=1, le=8)]
TimeoutMs = Annotated[float, Field(ge=1, le=60_000)]  # a message counts as lost after this
RateHz = Annotated[float, Field(ge=0, le=1_000)]  # telemetry rate; 0 turns it off
