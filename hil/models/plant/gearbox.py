"""The 8HP's shift clutches and input shaft: clutch-to-clutch, torque from pressure, stick-slip.

Two shift elements matter at any time: the one holding GearActual (the offgoing one in a shift)
and, during a shift, GearTarget's (the oncoming one). Each carries up to its capacity,
k·(p − p_return) in Nm at the gearbox input. Slipping, it carries its capacity against the slip;
stuck, it ties the input shaft to the output at its ratio and carries whatever that takes,
checked against its capacity after every substep. So a shift's phases come out of the
pressures: the torque phase ends when the offgoing element breaks loose, the inertia phase when
the input shaft reaches the new gear's synchronous speed and the oncoming element grips.
Speeds in rad/s, torques in Nm at the gearbox input (positive = driving).
"""

from __future__ import annotations


class ShiftClutch:
    """One shift element: its gear's ratio, its capacity now, and whether it is stuck."""

    __slots__ = ("capacity_nm", "ratio", "slip_sign", "stuck")

    def __init__(self) -> None:
        self.ratio = 0.0  # input/output speed ratio it holds when stuck (0: no element)
        self.capacity_nm = 0.0
        self.stuck = False
        self.slip_sign = 1.0  # direction of the last non-zero slip (input faster than its gear: +)

    def engage(self, ratio: float, capacity_nm: float) -> None:
        """This node step's element and capacity; a different element starts slipping."""
        self.capacity_nm = capacity_nm if ratio != 0.0 else 0.0
        if ratio != self.ratio or self.capacity_nm <= 0.0:
            self.stuck = False
        self.ratio = ratio

    def slipping_torque(self, input_radps: float, output_radps: float) -> float:
        """Torque it carries while slipping: its capacity, braking the input when the input runs
        faster than this element's gear (and driving it when slower)."""
        if self.capacity_nm <= 0.0:
            return 0.0
        slip = input_radps - self.ratio * output_radps
        if slip > 0.0:
            self.slip_sign = 1.0
        elif slip < 0.0:
            self.slip_sign = -1.0
        return self.capacity_nm * self.slip_sign


class Gearbox:
    """The input shaft between converter and output, and the two shift elements acting on it."""

    def __init__(self, input_radps: float) -> None:
        self.input_radps = input_radps
        self.offgoing = ShiftClutch()  # the element of GearActual
        self.oncoming = ShiftClutch()  # the element of GearTarget, during a shift
        self.efficiency = 1.0
        # this substep's torques, kept for the update after the driveline solve
        self._tied: ShiftClutch | None = None
        self._input_nm = 0.0
        self._input_inertia = 1.0
        self._clutch_nm = 0.0  # slipping elements' torque on the input shaft
        self._output_radps = 0.0

    @property
    def connected(self) -> bool:
        """Some element can carry torque between input and output (a gear or a shift)."""
        return self.offgoing.ratio != 0.0 or self.oncoming.ratio != 0.0

    def begin_step(self, ratio_actual: float, ratio_target: float, offgoing_nm: float, oncoming_nm: float,
                   efficiency: float) -> None:
        """One node step's gears and clutch capacities (Nm) from the TCU's commands."""
        on = self.oncoming
        if ratio_actual != self.offgoing.ratio and ratio_actual == on.ratio and ratio_actual != 0.0:
            # the shift completed: the oncoming element now holds the gear
            self.offgoing, self.oncoming = on, self.offgoing
        self.offgoing.engage(ratio_actual, offgoing_nm)
        if ratio_target == ratio_actual:
            self.oncoming.engage(0.0, 0.0)
        else:
            self.oncoming.engage(ratio_target, oncoming_nm)
        self.efficiency = efficiency

    def output_torque(self, input_nm: float, input_inertia: float, output_radps: float) -> tuple[float, float]:
        """(torque on the output shaft, input inertia reflected onto it) for one substep, given
        the input shaft's driving torque and inertia; the driveline solve takes both implicitly."""
        a, b = self.offgoing, self.oncoming
        tied = a if a.stuck else b if b.stuck else None
        if tied is not None:
            other = b if tied is a else a
            clutch_nm = other.slipping_torque(tied.ratio * output_radps, output_radps)
            output_nm = (tied.ratio * (input_nm - clutch_nm) + other.ratio * clutch_nm) * self.efficiency
            reflected = input_inertia * tied.ratio * tied.ratio
        else:
            ta = a.slipping_torque(self.input_radps, output_radps)
            tb = b.slipping_torque(self.input_radps, output_radps)
            clutch_nm = ta + tb
            output_nm = (a.ratio * ta + b.ratio * tb) * self.efficiency
            reflected = 0.0
        self._tied, self._clutch_nm = tied, clutch_nm
        self._input_nm, self._input_inertia, self._output_radps = input_nm, input_inertia, output_radps
        return output_nm, reflected

    def after_substep(self, h: float, output_radps: float) -> None:
        """Move the input shaft to the solved output speed: tied, or free between slipping elements."""
        tied = self._tied
        if tied is not None:
            # the torque the stuck element had to carry: the input's, less the slipping element's,
            # less what accelerating the input shaft along with the output took
            accel = (output_radps - self._output_radps) / h
            needed = self._input_nm - self._clutch_nm - self._input_inertia * tied.ratio * accel
            self.input_radps = tied.ratio * output_radps
            if tied.capacity_nm <= 0.0 or not -tied.capacity_nm <= needed <= tied.capacity_nm:
                tied.stuck = False  # it breaks loose: the input runs ahead (+) or falls behind (-)
                tied.slip_sign = 1.0 if needed >= 0.0 else -1.0
            return
        w = self.input_radps + h * (self._input_nm - self._clutch_nm) / self._input_inertia
        for element in (self.offgoing, self.oncoming):
            if element.capacity_nm > 0.0:
                sync = element.ratio * output_radps
                if (w - sync) * element.slip_sign <= 0.0:
                    element.stuck = True  # reached (or crossed) its synchronous speed: it grips
                    w = sync
                    break
        self.input_radps = w
