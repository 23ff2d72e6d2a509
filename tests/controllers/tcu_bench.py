"""TCU black-box bench: only the TCU is emulated; the player plays DRV, ECM, ABS (and HHB) frames.

The car around the TCU is kinematic: wheels turn at the scripted speed and the engine (lock-up
closed: turbine = engine) turns at the synchronous speed of the gear the TCU reports engaged,
moving to the new gear's speed over BENCH_INERTIA_MS once a shift's inertia phase begins, so
the TCU's decisions are the only thing under test (the clutch physics is tested in the plant).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hil.config.calibration import load_calibration
from hil.models.enums import Selector, ShiftPhase
from hil.models.hardware import HardwareCalibration
from hil.results.trace import Trace, TraceFrame
from tests.player import MS, Player, controller_rig
from tests.support import RALLY

IDLE_RPM = 650.0
BENCH_INERTIA_MS = 80  # the kinematic stand-in for the ratio change


@dataclass
class Bench:
    player: Player
    trace: Trace
    hw: HardwareCalibration
    kph: float = 0.0
    engine_rpm: float | None = None  # None: synchronous with the engaged gear
    torque_nm: float = 300.0
    inertia_since_ns: int | None = None

    # ---- the car -----------------------------------------------------------------------

    def output_rpm(self, kph: float | None = None) -> float:
        v = self.kph if kph is None else kph
        return v / 3.6 / self.hw.rolling_radius_m * 60.0 / (2 * math.pi) * self.hw.final_drive

    def sync_rpm(self, gear: int, kph: float | None = None) -> float:
        return self.output_rpm(kph) * self.hw.gear_ratios[gear - 1] if 1 <= gear <= 8 else IDLE_RPM

    def status(self) -> dict[str, float]:
        frames = self.trace.of("TCU_Status")
        return frames[-1].signals if frames else {}

    def gear(self) -> int:
        return int(self.status().get("GearActual", 10))

    def input_rpm(self) -> float:
        """The turbine: at the engaged gear's speed, ramping to the new gear's in an inertia phase."""
        st, g = self.status(), self.gear()
        rpm = self.sync_rpm(g) if 1 <= g <= 8 else IDLE_RPM
        target = int(st.get("GearTarget", g))
        if st.get("ShiftPhase") != ShiftPhase.INERTIA or target == g:
            if st.get("ShiftPhase") != ShiftPhase.TORQUE:
                self.inertia_since_ns = None
            return rpm if self.inertia_since_ns is None else self.sync_rpm(target)
        if self.inertia_since_ns is None:
            self.inertia_since_ns = self.now_ns()
        f = min(1.0, (self.now_ns() - self.inertia_since_ns) / (BENCH_INERTIA_MS * MS))
        return rpm + (self.sync_rpm(target) - rpm) * f

    def _plant(self) -> None:
        turbine = self.input_rpm()
        rpm = self.engine_rpm if self.engine_rpm is not None else max(IDLE_RPM, turbine)  # converter slips at idle
        self.player.set("ECM_Engine", EngineSpeed=rpm, EngineTorque=self.torque_nm, EngineTorqueMax=750.0)
        self.player.set("ECM_PlantSensors", TurbineSpeed=turbine if self.engine_rpm is None else rpm)
        k = self.kph
        self.player.set("ABS_WheelSpeeds", WheelSpeedFL=k, WheelSpeedFR=k, WheelSpeedRL=k, WheelSpeedRR=k,
                        VehicleSpeed=k)

    def run_ms(self, ms: int) -> None:
        """Advance in 10 ms ticks, the engine following the engaged gear."""
        for _ in range(ms // 10):
            self._plant()
            self.player.run_for(10 * MS)

    def now_ns(self) -> int:
        return self.player.rig.clock.now_ns()

    # ---- the driver --------------------------------------------------------------------

    def driver(self, **signals: float) -> None:
        self.player.set("DRV_Controls", **signals)

    def press(self, paddle: str, hold_ms: int = 30) -> int:
        """Press and release a paddle ("PaddleUp"/"PaddleDown"); returns the time of the edge frame."""
        before = self.now_ns()
        self.driver(**{paddle: 1.0})
        self.run_ms(hold_ms)
        self.driver(**{paddle: 0.0})
        self.run_ms(10)
        edge = self.trace.first("DRV_Controls", lambda s: s[paddle] == 1.0, before)
        assert edge is not None
        return edge.t_ns

    def into_gear(self, gear: int, kph: float, selector: Selector = Selector.M) -> None:
        """Roll at `kph` in N, select `selector`, then paddle to `gear` (waiting out each shift)."""
        self.kph = kph
        self.driver(Selector=float(Selector.N))
        self.run_ms(50)
        self.driver(Selector=float(selector))
        self.run_ms(50)
        for _ in range(8):
            g = self.gear()
            if g == gear:
                break
            self.press("PaddleUp" if gear > g else "PaddleDown")
            self.run_ms(1000)
        assert self.gear() == gear, f"could not get into gear {gear} at {kph} km/h (in {self.gear()})"

    # ---- reading the bus ---------------------------------------------------------------

    def events(self, after_ns: int = -1) -> list[TraceFrame]:
        return [f for f in self.trace.of("TCU_ShiftEvent") if f.t_ns > after_ns]

    def statuses(self, after_ns: int = -1) -> list[TraceFrame]:
        return [f for f in self.trace.of("TCU_Status") if f.t_ns > after_ns]


@contextlib.contextmanager
def tcu_bench(calibration: Path = RALLY, *, selector: Selector = Selector.M, pedal_pct: float = 50.0,
              emulate: tuple[str, ...] = ("TCU",)) -> Iterator[Bench]:
    """The TCU alone on a virtual bus, standing in 1st with the driver's selector at `selector`."""
    hw = load_calibration(calibration).values.hardware
    with controller_rig(emulate, calibration=calibration) as (_, player, trace):
        bench = Bench(player, trace, hw)
        bench.driver(Selector=float(selector), AccelPedal=pedal_pct, PaddleUp=0.0, PaddleDown=0.0)
        bench.run_ms(100)
        yield bench
