"""Calibration files: one TOML per car variant, a section per model, with a content hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hil.config.schema import Strict, file_hash, read_toml, validate
from hil.errors import CalibrationError
from hil.models.dcu import DcuCalibration
from hil.models.driveline import DrivelineCalibration
from hil.models.driver import DriverCalibration
from hil.models.engine import EngineCalibration
from hil.models.handbrake import HhbCalibration
from hil.models.hardware import HardwareCalibration
from hil.models.tcu_calibration import TcuCalibration
from hil.models.vehicle import VehicleCalibration


class Meta(Strict):
    name: str
    description: str = ""


class CalibrationSet(Strict):
    meta: Meta
    hardware: HardwareCalibration = HardwareCalibration()
    driver: DriverCalibration = DriverCalibration()
    engine: EngineCalibration = EngineCalibration()
    driveline: DrivelineCalibration = DrivelineCalibration()
    vehicle: VehicleCalibration = VehicleCalibration()
    tcu: TcuCalibration = TcuCalibration()
    hhb: HhbCalibration = HhbCalibration()
    dcu: DcuCalibration = DcuCalibration()


@dataclass(frozen=True)
class Calibration:
    path: Path
    sha256: str
    values: CalibrationSet

    @property
    def hash32(self) -> int:
        """What the controllers report on CAN (`*_Identity.CalibrationHash`)."""
        return int(self.sha256[:8], 16)


def cross_check(values: CalibrationSet) -> tuple[str, str] | None:
    """(key, reason) of the first check across sections that fails (maps vs gear count), else None."""
    return values.tcu.hardware_problem(values.hardware)


def load_calibration(path: Path) -> Calibration:
    data = read_toml(path, CalibrationError)
    values = validate(CalibrationSet, data, str(path), CalibrationError)
    problem = cross_check(values)
    if problem is not None:
        raise CalibrationError(str(path), *problem)
    return Calibration(path=path, sha256=file_hash(path), values=values)
