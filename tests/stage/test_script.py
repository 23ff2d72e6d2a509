"""Stage scripts: what each step compiles to, and every refusal with its line and reason."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.errors import StageError
from hil.stage.loader import load_stage
from hil.stage.script import compile_script
from hil.stage.timeline import Timeline

S = 1_000_000_000
MS = 1_000_000


def compile_text(text: str) -> Timeline:
    return compile_script(textwrap.dedent(text), "t.yaml", Path("."))


def points(tl: Timeline, channel: str) -> list[tuple[int, float, bool]]:
    tr = tl.tracks[channel]
    return list(zip(tr.times, tr.values, tr.ramp, strict=True))


def test_set_ramp_and_hold_compile_to_breakpoints() -> None:
    tl = compile_text("""
        steps:
          - at: 1 s
            accel: 40
          - after: 1 s
            accel: {to: 100 %, over: 500 ms}
          - after: 2 s
            brake: {to: 30 bar, hold: 1 s}
    """)
    assert points(tl, "accel_pct") == [(S, 40.0, False), (2 * S, 40.0, False), (2 * S + 500 * MS, 100.0, True)]
    assert points(tl, "brake_bar") == [(4 * S, 30.0, False), (5 * S, 0.0, False)]
    assert tl.value("accel_pct", 2 * S + 250 * MS) == pytest.approx(70.0)
    assert tl.duration_ns == 6 * S  # one second after the last change


def test_a_new_command_cuts_a_ramp_where_it_had_got_to() -> None:
    tl = compile_text("""
        steps:
          - at: 0 s
            accel: {to: 100, over: 1 s}
          - at: 500 ms
            accel: 0
    """)
    assert points(tl, "accel_pct") == [(0, 0.0, False), (500 * MS, 50.0, True), (500 * MS, 0.0, False)]


def test_paddle_press_is_a_pulse_of_the_stage_length_or_explicit() -> None:
    tl = compile_text("""
        paddle_pulse: 120 ms
        steps:
          - at: 1 s
            paddle: up
          - at: 2 s
            paddle: {press: down, hold: 300 ms}
    """)
    assert points(tl, "paddle_up") == [(S, 1.0, False), (S + 120 * MS, 0.0, False)]
    assert points(tl, "paddle_down") == [(2 * S, 1.0, False), (2 * S + 300 * MS, 0.0, False)]


def test_handbrake_pull_ramps_up_holds_and_releases() -> None:
    tl = compile_text("""
        steps:
          - at: 1 s
            handbrake: {travel: 80 %, hold: 600 ms}
    """)
    assert points(tl, "handbrake_pct") == [
        (S, 0.0, False), (S + 50 * MS, 80.0, True), (S + 650 * MS, 80.0, False), (S + 700 * MS, 0.0, True)]


def test_switches_surfaces_grade_and_target_speed() -> None:
    tl = compile_text("""
        steps:
          - at: 0 s
            selector: M
            centre_lock: lock
            low_range: off
            surface: gravel
            grade: 12 %
            target_speed: 60 km/h
          - after: 5 s
            surface: {RL: soft_sand}
            target_speed: off
    """)
    assert tl.value("selector", 0) == 4.0 and tl.value("centre_lock", 0) == 1.0
    assert tl.value("grade_pct", S) == 12.0 and tl.value("target_speed_kph", S) == 60.0
    assert tl.value("target_speed_kph", 6 * S) == -1.0
    assert tl.surface(S) == ("gravel",) * 4
    assert tl.surface(5 * S) == ("gravel", "gravel", "soft_sand", "gravel")


def test_repeat_block_chains_relative_steps() -> None:
    tl = compile_text("""
        steps:
          - at: 1 s
            selector: M
          - repeat: 3
            steps:
              - after: 2 s
                paddle: up
    """)
    assert [t for t, v, _ in points(tl, "paddle_up") if v == 1.0] == [3 * S, 5 * S, 7 * S]


def test_expectations_accept_scope_mappings_and_named_checks() -> None:
    tl = compile_text("""
        steps: [{at: 0 s, accel: 10}]
        expect:
          - always: ECM_Engine.EngineSpeed <= 7000 rpm
          - "never: TCU_Status.ShiftRejectReason == OVERREV"
          - name: limiter
            check: "stage: max(ECM_Engine.EngineSpeed) > 6800 rpm"
    """)
    assert [e.name for e in tl.expectations] == [
        "always: ECM_Engine.EngineSpeed <= 7000 rpm", "never: TCU_Status.ShiftRejectReason == OVERREV", "limiter"]
    assert tl.expectations[0].line == 4


@pytest.mark.parametrize(("text", "line", "key", "reason"), [
    ("steps: [\n", 2, "", "not valid YAML"),
    ("- 1\n- 2\n", 1, "", "expected a mapping"),
    ("stage: x\nsteps: []\nspeed: 3\n", 3, "speed", "unknown key"),
    ("steps:\n  - at: 1 s\n    acel: 10\n", 3, "steps[0].acel", "unknown key"),
    ("steps:\n  - at: 1 s\n    at: 2 s\n    accel: 1\n", 3, "steps[0].at", "key given twice"),
    ("steps:\n  - at: 1\n    accel: 10\n", 2, "steps[0].at", "expected a time with its unit"),
    ("steps:\n  - at: 1 s\n    accel: 120\n", 3, "steps[0].accel", "outside 0..100 %"),
    ("steps:\n  - at: 1 s\n    accel: 10 bar\n", 3, "steps[0].accel", "unit 'bar' does not fit"),
    ("steps:\n  - at: 1 s\n    selector: X\n", 3, "steps[0].selector", "expected one of P, R, N, D, M"),
    ("steps:\n  - at: 1 s\n    surface: ice\n", 3, "steps[0].surface", "expected one of tarmac"),
    ("steps:\n  - at: 1 s\n    surface: {RM: mud}\n", 3, "steps[0].surface.RM", "unknown key"),
    ("steps:\n  - at: 2 s\n    accel: 1\n  - at: 1 s\n    accel: 2\n", 4, "steps[1].at", "before the previous"),
    ("steps:\n  - at: 1 s\n    after: 1 s\n    accel: 1\n", 3, "steps[0]", "not both"),
    ("steps:\n  - at: 1 s\n", 2, "steps[0]", "a step needs an action"),
    ("steps:\n  - repeat: 0\n    steps: []\n", 2, "steps[0].repeat", "whole number"),
    ("steps:\n  - repeat: 2\n    steps:\n      - at: 1 s\n        accel: 1\n", 4, "steps[0].steps[0].at",
     "inside a repeat"),
    ("steps:\n  - at: 1 s\n    accel: {over: 1 s}\n", 3, "steps[0].accel", "give the value with 'to'"),
    ("steps:\n  - at: 1 s\n    accel: {to: 1, release: 1 s}\n", 3, "steps[0].accel.release", "only goes with"),
    ("steps:\n  - at: 1 s\n    paddle: sideways\n", 3, "steps[0].paddle", "expected one of up, down"),
    ("steps: [{at: 0 s, accel: 1}]\nexpect:\n  - always ECM_Engine.EngineSpeed\n", 3, "expect[0]",
     "expected ':' after the scope"),
    ("steps: [{at: 0 s, accel: 1}]\nexpect:\n  - always: ECM_Engine.Nope < 1\n", 3, "expect[0]", "no signal 'Nope'"),
    ("steps: [{at: 0 s, accel: 1}]\nexpect:\n  - {name: a, check: 'always: ECM_Engine.EngineSpeed < 1'}\n"
     "  - {name: a, check: 'always: ECM_Engine.EngineSpeed < 2'}\n", 4, "expect[1]", "two checks are named"),
    ("stage: 'my stage'\nsteps: [{at: 0 s, accel: 1}]\n", 1, "stage", "use letters"),
    ("description: x\n", 1, "steps", "needs 'steps' or an 'input'"),
    ("steps: [{at: 0 s, accel: 1}]\ninput: {csv: a.csv, can_log: b.asc}\n", 2, "input", "give one of"),
])
def test_bad_stage_is_refused_with_line_key_and_reason(text: str, line: int, key: str, reason: str) -> None:
    with pytest.raises(StageError) as exc:
        compile_script(text, "bad.yaml", Path("."))
    assert exc.value.file == "bad.yaml"
    assert exc.value.key.startswith(f"line {line}")
    assert exc.value.key.endswith(key)
    assert reason in exc.value.reason


def test_stage_longer_than_48_hours_is_refused() -> None:
    text = "steps:\n  - repeat: 3\n    steps:\n      - after: 2400 min\n        accel: 1\n"
    with pytest.raises(StageError, match="a stage lasts at most 48 h") as exc:
        compile_script(text, "long.yaml", Path("."))
    assert exc.value.key == "steps"


def test_empty_file_is_refused() -> None:
    with pytest.raises(StageError, match="empty stage file"):
        compile_script("", "e.yaml", Path("."))


def test_loader_refuses_missing_files_and_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="file not found"):
        load_stage(tmp_path / "nope.yaml")
    (tmp_path / "s.json").write_text("{}")
    with pytest.raises(StageError, match="unsupported stage format"):
        load_stage(tmp_path / "s.json")


CHANNELS = {"accel": ("accel_pct", 100.0), "brake": ("brake_bar", 200.0), "grade": ("grade_pct", 100.0)}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.sampled_from(sorted(CHANNELS)), st.integers(0, 1000)),
                min_size=1, max_size=12))
def test_generated_set_steps_round_trip_to_their_breakpoints(steps: list[tuple[int, str, int]]) -> None:
    lines = ["steps:"]
    expected: dict[str, list[tuple[int, float]]] = {}
    t = 0
    for after_ms, key, tenths in steps:
        channel, hi = CHANNELS[key]
        value = round(tenths / 1000 * hi, 1)
        t += after_ms * MS
        lines += [f"  - after: {after_ms} ms", f"    {key}: {value}"]
        expected.setdefault(channel, []).append((t, value))
    tl = compile_text("\n".join(lines) + "\n")
    for channel, pts in expected.items():
        assert [(tt, v) for tt, v, _ in points(tl, channel)] == pts
        for tt, v in pts[-1:]:
            assert tl.value(channel, tt) == v
    assert tl.duration_ns == t + S


YAMLISH = st.recursive(
    st.one_of(st.sampled_from(["1 s", "at", "after", "steps", "accel", "paddle", "up", "repeat", "3", "-1 ms",
                               "expect", "always: A.b < 1", "surface", "soft_sand", "{", "]", "&a", "*a", ":"]),
              st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                            st.lists(st.tuples(inner, inner), max_size=4).map(
                                lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), YAMLISH, YAMLISH.map(lambda s: f"steps: {s}\n"),
                 YAMLISH.map(lambda s: f"steps:\n  - {s}\n")))
def test_garbage_never_crashes_with_anything_but_stage_error(text: str) -> None:
    with contextlib.suppress(StageError):
        compile_script(text, "g.yaml", Path("."))
