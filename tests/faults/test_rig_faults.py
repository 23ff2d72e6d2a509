"""Every fault kind through a stage file, run by the Rig: its effect on the controllers, its events
aligned with that effect, the CAN log holding the frames as they went out, byte-identical reruns."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import can
import pytest

from hil.bus.e2e import crc_ok
from hil.errors import FaultError
from hil.results.trace import Trace
from hil.runtime.rig import Rig
from hil.stage.script import compile_script
from tests.support import prepared, unique_channel

MS = 1_000_000
STAGE = """stage: sick_car
duration: 13 s
steps:
  - {at: 0 s, accel: 30 %}
faults:
  - {at: 1 s, for: 500 ms, message: ABS_WheelSpeeds, kind: drop}
  - {at: 2 s, for: 500 ms, message: ECM_Engine, kind: delay, delay: 50 ms}
  - {at: 3 s, for: 300 ms, message: DRV_Controls, kind: repeat}
  - {at: 4 s, for: 300 ms, message: DRV_Controls, kind: counter_skip}
  - {at: 5 s, for: 300 ms, message: DRV_Controls, kind: bad_crc}
  - {at: 6 s, for: 300 ms, message: ABS_WheelSpeeds, kind: bad_data_id}
  - {at: 7 s, for: 300 ms, message: DRV_Controls, kind: insert, signal: HandbrakeLever, value: 100}
  - {at: 8500 ms, for: 500 ms, message: ECM_Engine, kind: stuck, signal: EngineSpeed, value: 3000}
  - {at: 9500 ms, for: 300 ms, message: DRV_Controls, kind: out_of_range, signal: Selector}
  - {at: 10500 ms, for: 200 ms, message: DRV_Controls, kind: babble, rate: 2000}
  - {at: 11500 ms, for: 500 ms, node: ABS, kind: silence}
"""
HHB_FAULT, HHB_APPLYING = 4.0, 1.0


_CHANNEL = unique_channel()  # every _Run on the same bus name: frames carry it into the log


class _Run:
    def __init__(self, out: Path) -> None:
        prep = prepared(channel=_CHANNEL)
        self.prep = prep.with_stage(compile_script(STAGE, "sick_car.yaml", Path("."), prep.codec))
        self.trace = Trace()
        with Rig(self.prep, out=out) as rig:
            rig.observe(self.trace)
            rig.advance(self.prep.stage.duration_ns)
        self.rig = rig
        self.log = [m for m in can.LogReader(str(out / "can.log"))]
        self.events: list[dict[str, Any]] = json.loads((out / "events.json").read_text())

    def values(self, message: str, signal: str, from_ms: int, to_ms: int) -> list[float]:
        return [f.signals[signal] for f in self.trace.frames
                if f.name == message and from_ms * MS <= f.t_ns < to_ms * MS]

    def first(self, message: str, signal: str, value: float, after_ms: int) -> int:
        """When `signal` first takes `value` after `after_ms` (ms)."""
        return next(f.t_ns // MS for f in self.trace.frames
                    if f.name == message and f.t_ns >= after_ms * MS and f.signals[signal] == value)

    def logged(self, frame_id: int, from_ms: int, to_ms: int) -> list[can.Message]:
        t0 = self.log[0].timestamp - self.trace.frames[0].t_ns / 1e9  # log time of session t = 0
        return [m for m in self.log if m.arbitration_id == frame_id
                and from_ms / 1e3 <= m.timestamp - t0 < to_ms / 1e3]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> _Run:
    return _Run(tmp_path_factory.mktemp("sick_car"))


def test_each_fault_is_an_event_at_its_start_and_end(run: _Run) -> None:
    injected = [(e["t_ns"] // MS, e["fields"]["fault_id"], e["fields"]["kind"])
                for e in run.events if e["kind"] == "fault_injected"]
    assert [t for t, _, _ in injected] == [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8500, 9500, 10500, 11500]
    assert [k for _, _, k in injected][:3] == ["drop", "delay", "repeat"]
    ended = {e["fields"]["fault_id"]: e["t_ns"] // MS for e in run.events
             if e["kind"] == "fault_cleared" and "fault_id" in e["fields"]}
    assert ended["F1"] == 1500 and ended["F11"] == 12000 and len(ended) == 11


def test_lost_wheel_speeds_make_the_tcu_report_inputs_lost_after_its_timeout(run: _Run) -> None:
    assert run.values("TCU_Status", "InputsLost", 0, 1000) == [0.0] * 100
    assert run.first("TCU_Status", "InputsLost", 1.0, 1000) == 1030  # 3 cycles without ABS
    assert run.first("TCU_Status", "InputsLost", 0.0, 1030) == 1500
    assert run.first("TCU_Status", "InputsLost", 1.0, 6000) == 6030  # bad_data_id: every frame refused
    assert run.first("TCU_Status", "InputsLost", 1.0, 11500) == 11530  # silence


def test_a_delayed_engine_frame_leaves_a_gap_the_tcu_sees(run: _Run) -> None:
    assert run.first("TCU_Status", "InputsLost", 1.0, 1600) == 2030
    assert run.first("TCU_Status", "InputsLost", 0.0, 2030) == 2050  # the first delayed frame arrives


@pytest.mark.parametrize(("at_ms", "status", "after_ms"), [
    (3000, "REPEATED", 20), (4000, "WRONG_SEQUENCE", 20), (5000, "ERROR", 20),
    (10500, "REPEATED", 50),  # babble: a flood of one frame (counter 0) drowns the driver's own
])
def test_broken_driver_frames_put_the_handbrake_in_fault(run: _Run, at_ms: int, status: str, after_ms: int) -> None:
    assert run.values("HHB_Status", "State", at_ms - 200, at_ms) == [0.0] * 20
    assert run.first("HHB_Status", "State", HHB_FAULT, at_ms) == at_ms + after_ms  # lever unusable: 20 ms
    assert run.rig.health.e2e[f"DRV_Controls:{status}"] >= 29


def test_bad_crc_frames_are_in_the_log_exactly_as_they_went_out(run: _Run) -> None:
    frames = run.logged(0x60, 5000, 5300)
    assert len(frames) == 30 and not any(crc_ok(bytes(m.data), 0x60) for m in frames)
    assert all(crc_ok(bytes(m.data), 0x60) for m in run.logged(0x60, 5300, 5400))


def test_an_inserted_pulled_lever_applies_the_handbrake(run: _Run) -> None:
    assert run.first("HHB_Status", "State", HHB_APPLYING, 7000) == 7020


def test_stuck_engine_speed_reaches_the_controllers_with_valid_e2e(run: _Run) -> None:
    assert set(run.values("ECM_Engine", "EngineSpeed", 8500, 9000)) == {3000.0}
    assert 3000.0 not in run.values("ECM_Engine", "EngineSpeed", 9000, 9100)


def test_an_out_of_range_selector_is_delivered_and_the_tcu_keeps_its_mode(run: _Run) -> None:
    assert set(run.values("DRV_Controls", "Selector", 9500, 9800)) == {5.0}
    assert len(set(run.values("TCU_Status", "Mode", 9400, 9900))) == 1


def test_babble_floods_the_id_at_its_rate(run: _Run) -> None:
    assert len(run.logged(0x60, 10500, 10700)) == 400 + 20  # babble + the driver's own frames


def test_a_silenced_node_sends_nothing_in_its_window(run: _Run) -> None:
    assert run.logged(0x70, 11500, 12000) == []
    assert len(run.logged(0x70, 12000, 12100)) == 10


def test_a_virtual_run_with_faults_is_byte_identical(run: _Run, tmp_path: Path) -> None:
    again = _Run(tmp_path)
    assert (tmp_path / "can.log").read_bytes() == Path(run.rig.out or ".").joinpath("can.log").read_bytes()
    assert again.events == run.events


def test_the_api_injects_and_clears_faults_and_refuses_a_bad_one_whole() -> None:
    with Rig(prepared()) as rig:
        rig.advance(500 * MS)
        fault_id = rig.inject_fault({"kind": "drop", "message": "ABS_WheelSpeeds", "at": "100 ms"})
        rig.advance(1_000 * MS)
        assert rig.clear_fault(fault_id) and not rig.clear_fault("F99")
        rig.advance(1_200 * MS)
        with pytest.raises(FaultError, match="unknown message"):
            rig.inject_fault({"kind": "drop", "message": "Nope"})
        assert rig.diagnostics.injector.faults == []
    marks = [(e.kind, e.t_ns // MS) for e in rig.events.events if "fault_id" in e.fields]
    assert marks == [("fault_injected", 600), ("fault_cleared", 1000)]
    lost = Counter(k for k, _ in [(e.kind, 0) for e in rig.events.events if e.kind == "fault"])
    assert lost["fault"] >= 1  # the TCU reported its lost inputs while the fault was on
