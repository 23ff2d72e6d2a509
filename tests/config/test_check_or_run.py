"""Whatever `hil check` passes, `hil run` completes; whatever it refuses, the run refuses the same way.

Hypothesis mutates calibrations, rigs and the DBC (in range, at the edges, out of range, NaN,
inf, removed or reshaped signals) and runs each candidate: `check` and `prepare` agree, and a
candidate that passes runs a few virtual seconds of a busy stage to its end, results folder and all.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hil.bus import contract
from hil.cli import main
from hil.config.calibration import CalibrationSet, load_calibration
from hil.config.ranges import Bound, bounds
from hil.config.rig import load_rig
from hil.errors import ConfigError
from hil.runtime.prepare import prepare
from hil.runtime.suite import run_to_folder
from tests.support import RALLY, ROOT

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"
RUN_S = 3.0
# a busy few seconds: launch, paddle shifts, a handbrake pull at speed, braking, a surface change
STAGE = """stage: gate_probe
steps:
  - {at: 0 s, selector: M, accel: 100}
  - {at: 0.8 s, paddle: up}
  - {at: 1.4 s, paddle: up, surface: gravel}
  - {at: 1.9 s, accel: 0, handbrake: {travel: 90 %, hold: 400 ms}}
  - {at: 2.4 s, brake: {to: 60 bar, hold: 300 ms}, paddle: down}
  - {at: 2.8 s, accel: 60, centre_lock: lock}
expect:
  - "always: ECM_Engine.EngineSpeed <= 16000"
"""
# a fixed, quick sample in the suite; HIL_GATE_EXAMPLES=500 hunts with fresh random examples
HUNT = os.environ.get("HIL_GATE_EXAMPLES")
EXAMPLES = settings(max_examples=int(HUNT or 12), deadline=None, derandomize=HUNT is None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def toml(data: dict[str, Any], prefix: str = "") -> str:
    """A nested dict of scalars and lists as TOML (nan and inf as TOML spells them)."""
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{prefix}{k}]", toml(v, f"{prefix}{k}.")]
    return "\n".join(lines)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v) if isinstance(v, str) else str(v)


def leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every number (and bool) in nested dicts and lists."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaves(v, (*path, k))]
    if isinstance(data, list | tuple):
        return [p for i, v in enumerate(data) for p in leaves(v, (*path, i))]
    return [path] if isinstance(data, int | float) else []


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _lists(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _lists(v) for k, v in data.items()}
    return [_lists(v) for v in data] if isinstance(data, list | tuple) else data


BASE_CAL = _lists(load_calibration(RALLY).values.model_dump())
CAL_LEAVES = leaves(BASE_CAL)


RANGES = {b.key: b for b in bounds(CalibrationSet)}


def bound_of(path: tuple[Any, ...]) -> Bound | None:
    """The documented range of a calibration leaf (`engine.curve_rpm[]`, `vehicle.surfaces.<name>.crr`, ...)."""
    key = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            key += "[]"
        elif path[:i] == ("vehicle", "surfaces"):
            key += ".<name>"
        elif path[:i] in (("dcu", "front"), ("dcu", "rear")) and i == 2:
            kind = "lsd" if "preload_nm" in BASE_CAL["dcu"][path[1]] else "active"
            key += f" (kind = {kind}).{part}"
        else:
            key += f".{part}" if key else str(part)
    return RANGES.get(key)


def numbers(old: float | int | bool, bound: Bound | None = None, element: bool = False) -> st.SearchStrategy[Any]:
    """Mostly values inside the documented range (where a crash would be a bug), some at and just
    past its edges, a few wild ones (NaN, inf, 1e308). Table elements mostly move a little (a map
    must stay monotonic to pass at all)."""
    if isinstance(old, bool):
        return st.booleans()
    wild = st.sampled_from([0, -1, 1e308, -1e308, math.nan, math.inf, -math.inf, 1e-300])
    if bound is None or bound.lo is None or bound.hi is None:
        near = st.floats(min_value=-3.0, max_value=3.0).map(lambda f: old * (1 + f) if old else f)
        out = st.one_of(near, near, wild)
    else:
        inside = st.floats(min_value=bound.lo, max_value=bound.hi, exclude_min=bound.lo_open,
                           exclude_max=bound.hi_open)
        if element:
            inside = st.floats(min_value=0.97, max_value=1.03).map(
                lambda f: min(max(old * f, bound.lo or 0.0), bound.hi or 0.0))
        edges = st.sampled_from([bound.lo, bound.hi, math.nextafter(bound.lo, -math.inf),
                                 math.nextafter(bound.hi, math.inf)])
        out = st.one_of(inside, inside, inside, edges, wild)
    return out.map(lambda v: round(v) if isinstance(old, int) and math.isfinite(v) and abs(v) < 1e18 else v)


@st.composite
def calibrations(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(BASE_CAL))
    for path in draw(st.lists(st.sampled_from(CAL_LEAVES), min_size=1, max_size=4, unique=True)):
        old = BASE_CAL
        for key in path:
            old = old[key]
        _set(data, path, draw(numbers(old, bound_of(path), element=isinstance(path[-1], int))))
    if draw(st.booleans()):
        data["dcu"][draw(st.sampled_from(["front", "rear"]))] = {"kind": draw(st.sampled_from(["lsd", "active"]))}
    return data


@st.composite
def rig_edits(draw: st.DrawFn) -> dict[str, Any]:
    edits: dict[str, Any] = {}
    if draw(st.booleans()):
        edits["emulate"] = draw(st.lists(st.sampled_from(["DRV", "ECM", "ABS", "TCU", "HHB", "DCU"]), unique=True))
    if draw(st.booleans()):
        edits["timeouts_ms"] = {draw(st.sampled_from(["ECM_Engine", "DRV_Controls", "HHB_Status"])):
                                draw(numbers(30.0))}
    if draw(st.booleans()):
        edits["nodes"] = {draw(st.sampled_from(["TCU", "PLANT", "DRV"])): {"offset_ms": draw(numbers(5.0))}}
    if draw(st.booleans()):
        edits["e2e"] = {"max_delta_counter": draw(numbers(2))}
    if draw(st.booleans()):
        edits["log"] = draw(st.sampled_from(["can.asc", "logs/can.log", "can.blf", "../can.log", "/tmp/can.log"]))
    return edits


SIGNAL = re.compile(r"^ SG_ (\w+) : (\d+)\|(\d+)@1([+-]) \(([^,]+),([^)]+)\) \[([^|]+)\|([^\]]+)\]", re.M)


NEEDS = {sig: need for _, (_, _, _, sigs) in contract.MESSAGES.items() for sig, need in sigs.items()}


def _sg(*shape: object) -> str:
    name, start, length, sign, scale, offset, lo, hi = shape
    return f" SG_ {name} : {start}|{length}@1{sign} ({scale},{offset}) [{lo}|{hi}]"


@st.composite
def dbc_texts(draw: st.DrawFn) -> str:
    """The shipped DBC with one or two signals reshaped, narrowed, dropped or renamed, or a value
    table entry added or moved."""
    lines = DBC.read_text().split("\n")
    signals = [i for i, line in enumerate(lines) if SIGNAL.match(line)]
    for i in draw(st.lists(st.sampled_from(signals), min_size=1, max_size=2, unique=True)):
        m = SIGNAL.match(lines[i])
        assert m is not None
        name, start, length, sign, scale, offset, lo, hi = m.groups()
        need = NEEDS.get(name)
        kind = draw(st.sampled_from(["length", "scale", "offset", "range", "to_need", "coarser", "drop", "rename"]))
        shape = (name, start, length, sign, scale, offset, lo, hi)
        if kind == "length":
            shape = (name, start, draw(st.integers(1, int(length) + 2)), sign, scale, offset, lo, hi)
        elif kind == "scale":
            new_scale = draw(st.sampled_from(["0", "-1", "0.001", "2", "1000"]))
            shape = (name, start, length, sign, new_scale, offset, lo, hi)
        elif kind == "offset":
            shape = (name, start, length, sign, scale, draw(st.sampled_from(["-1000", "-1", "0.5", "100"])), lo, hi)
        elif kind == "range":
            shape = (name, start, length, sign, scale, offset, draw(st.sampled_from(["0", "-5", "1"])),
                     draw(st.sampled_from(["0", "1", "10", "1e9"])))
        elif kind == "to_need" and need is not None:  # the narrowest range the contract allows: values saturate
            shape = (name, start, length, sign, scale, offset, f"{need.lo:g}", f"{need.hi:g}")
        elif kind == "coarser" and need is not None and not need.whole:
            shape = (name, start, length, sign, repr(float(scale) * 2), offset, lo, repr(float(hi) * 2))
        new = "" if kind == "drop" else _sg(*shape).replace(f" SG_ {name} ", f" SG_ {name}X ") if kind == "rename" \
            else _sg(*shape)
        lines[i] = new + lines[i][m.end():] if new else ""
    text = "\n".join(lines)
    if draw(st.booleans()):  # value tables: an added entry is fine, a moved one is not
        text = text.replace('4 "M" ;', draw(st.sampled_from(['4 "M" 7 "S" ;', '4 "M" 5 "D" ;', '4 "S" ;'])), 1)
    return text


def check_or_run(cal: dict[str, Any] | None = None, rig_edits: dict[str, Any] | None = None,
                 dbc: str | None = None) -> str:
    """Write the candidate files, ask `hil check`, then prepare and run it: the two must agree."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "stage.yaml").write_text(STAGE)
        rig = {"name": "probe", "time": "virtual", "dbc": str(DBC), "calibration": str(RALLY),
               "stage": "stage.yaml", "duration_s": RUN_S}
        spec: dict[str, Any] = {"bus": {"interface": "virtual", "channel": f"gate-{uuid.uuid4().hex[:10]}"}}
        if cal is not None:
            (d / "cal.toml").write_text(toml(cal))
            rig["calibration"] = "cal.toml"
        if dbc is not None:
            (d / "mutant.dbc").write_text(dbc)
            rig["dbc"] = "mutant.dbc"
        for key, value in (rig_edits or {}).items():
            (rig if key in ("emulate", "log") else spec)[key] = value
        (d / "rig.toml").write_text(toml({"rig": rig, **spec}))
        checked = main(["check", str(d / "rig.toml")])
        try:
            prep = prepare(load_rig(d / "rig.toml"))
        except ConfigError:
            assert checked == 2, "hil check passed what hil run refuses"
            return "refused"
        assert checked == 0, "hil check refused what hil run accepts"
        _, outcome = run_to_folder(prep, d / "out")  # any exception here is the bug this test hunts
        assert outcome.reason == "completed" and outcome.reached_ns == int(RUN_S * 1e9), outcome
        assert (d / "out" / "run.json").is_file()
        return "ran"


def test_the_shipped_files_run() -> None:
    assert check_or_run() == "ran"


@EXAMPLES
@given(calibrations())
def test_a_calibration_is_refused_by_check_or_runs_to_the_end(cal: dict[str, Any]) -> None:
    event(check_or_run(cal=cal))


@EXAMPLES
@given(rig_edits())
def test_a_rig_is_refused_by_check_or_runs_to_the_end(edits: dict[str, Any]) -> None:
    event(check_or_run(rig_edits=edits))


@EXAMPLES
@given(dbc_texts())
def test_a_dbc_is_refused_by_check_or_runs_to_the_end(dbc: str) -> None:
    event(check_or_run(dbc=dbc))
