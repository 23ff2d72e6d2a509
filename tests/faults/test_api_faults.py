"""Every fault kind through the Python API (`rig.inject_fault`), each with an effect a user can see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hil.runtime.rig import Rig
from tests.support import prepared

MS = 1_000_000


class _Seen:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.values: dict[str, list[float]] = {}
        rig.observe(self._frame)

    def _frame(self, t_ns: int, spec: Any, signals: dict[str, float], sent_here: bool) -> None:
        if t_ns >= 300 * MS:
            for name, value in signals.items():
                self.values.setdefault(f"{spec.name}.{name}", []).append(value)

    def e2e(self, key: str) -> int:
        return int(self.rig.health.e2e.get(key, 0))

    def controller_faults(self) -> set[str]:
        return {str(e.fields.get("source")) for e in self.rig.events.events if e.kind == "fault"}


CASES: list[tuple[dict[str, Any], Callable[[_Seen], bool]]] = [
    ({"kind": "drop", "message": "ABS_WheelSpeeds"}, lambda s: "TCU_Status.InputsLost" in s.controller_faults()),
    ({"kind": "delay", "message": "ECM_Engine", "delay": "50 ms"},
     lambda s: "TCU_Status.InputsLost" in s.controller_faults()),
    ({"kind": "repeat", "message": "DRV_Controls"}, lambda s: s.e2e("DRV_Controls:REPEATED") >= 10
     and 4.0 in s.values["HHB_Status.State"]),
    ({"kind": "counter_skip", "message": "DRV_Controls"}, lambda s: s.e2e("DRV_Controls:WRONG_SEQUENCE") >= 10),
    ({"kind": "bad_crc", "message": "DRV_Controls"}, lambda s: s.e2e("DRV_Controls:ERROR") >= 10
     and 4.0 in s.values["HHB_Status.State"]),
    ({"kind": "bad_data_id", "message": "ABS_WheelSpeeds"}, lambda s: s.e2e("ABS_WheelSpeeds:ERROR") >= 10),
    ({"kind": "insert", "message": "DRV_Controls", "signal": "HandbrakeLever", "value": 100},
     lambda s: 1.0 in s.values["HHB_Status.State"]),
    ({"kind": "stuck", "message": "ECM_Engine", "signal": "EngineSpeed", "value": 3000},
     lambda s: set(s.values["ECM_Engine.EngineSpeed"]) == {3000.0}),
    ({"kind": "out_of_range", "message": "DRV_Controls", "signal": "Selector"},
     lambda s: set(s.values["DRV_Controls.Selector"]) == {5.0}),
    ({"kind": "babble", "message": "DRV_Controls", "rate": 1000},  # one payload again and again
     lambda s: s.e2e("DRV_Controls:REPEATED") >= 250),
    ({"kind": "silence", "node": "ECM"}, lambda s: "ECM_Engine.EngineSpeed" not in s.values),
]


@pytest.mark.parametrize(("fields", "effect"), CASES, ids=[c[0]["kind"] for c in CASES])
def test_each_kind_through_the_api_has_its_effect(fields: dict[str, Any], effect: Callable[[_Seen], bool]) -> None:
    with Rig(prepared(), trace=False, results=False) as rig:
        rig.advance(300 * MS - 1)
        seen = _Seen(rig)
        fault_id = rig.inject_fault(fields)
        rig.advance(600 * MS)
    assert fault_id == "F1"
    assert effect(seen), {k: v[:5] for k, v in seen.values.items() if k.startswith(("HHB", "DRV_Controls.Sel"))}
