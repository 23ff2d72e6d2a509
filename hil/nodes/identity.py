"""The `<NODE>_Identity` frame every emulated controller sends: software version + calibration hash."""

from __future__ import annotations

from hil.bus.codec import Signals
from hil.version import __version__


def identity_signals(calibration_hash32: int) -> Signals:
    major, minor, patch = (int(p) for p in [*__version__.split("."), "0", "0"][:3])
    return {
        "CalibrationHash": float(calibration_hash32),
        "SwVersionMajor": float(major),
        "SwVersionMinor": float(minor),
        "SwVersionPatch": float(patch),
    }
