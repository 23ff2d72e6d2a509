"""A model that computes NaN or infinity never takes the bus down: the frame goes out saturated, counted."""

from __future__ import annotations

import math

from hil.runtime.node import RxView, Tx
from tests.support import bare_rig, prepared


class _Broken:
    """An ECM whose physics blew up: NaN speed, infinite torque."""

    name = "ECM"
    nodes: tuple[str, ...] = ("ECM",)
    period_ns = 10_000_000
    accepts: frozenset[str] = frozenset()

    def apply_calibration(self, values: object) -> None:
        pass

    def step(self, now_ns: int, rx: RxView) -> Tx:
        return Tx(cyclic={"ECM_Engine": {"EngineSpeed": math.nan, "EngineTorque": math.inf}})


def test_nan_and_inf_from_a_model_are_sent_saturated_and_counted_in_bus_health() -> None:
    prep = prepared()
    with bare_rig(prep, [_Broken()], emulate=("ECM",)) as rig:
        rig.advance(1_000_000_000)
    health = rig.health
    assert health.frames_tx == 101 and health.tx_errors == 0 and health.bad_frames == 0
    assert health.as_dict()["non_finite"] == {"ECM_Engine.EngineSpeed": 101, "ECM_Engine.EngineTorque": 101}
    assert rig.session.store.values["ECM_Engine"]["EngineSpeed"] == 0.0
    top = prep.codec.specs["ECM_Engine"].limits["EngineTorque"][1]
    assert rig.session.store.values["ECM_Engine"]["EngineTorque"] == top
