"""Pure, deterministic models: `step(now_ns, inputs) -> outputs`, calibration given at construction.

No I/O, no clock reads, no randomness (ruff's banned-api rule keeps them out).
"""
