"""The expectation grammar: tokens, units, scopes and precise syntax errors; never eval."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.stage.expr import BoolOp, Compare, ExprError, Name, Not, Num, SignalRef, Truthy, parse_expectation, tokenize


def test_number_units_are_tokenized_with_their_number() -> None:
    toks = tokenize("250 ms 7000rpm 40 km/h 2 km 5 %")
    assert [(t.value, t.unit) for t in toks if t.kind == "NUM"] == [
        (250.0, "ms"), (7000.0, "rpm"), (40.0, "km/h"), (2.0, "km"), (5.0, "%")]


def test_comparison_of_signal_and_number_parses_to_a_compare() -> None:
    p = parse_expectation("always: ECM_Engine.EngineSpeed <= 7000 rpm")
    assert p.scope.kind == "always"
    assert p.cond == Compare("<=", SignalRef("ECM_Engine", "EngineSpeed", 8), Num(7000.0, "rpm", 34), 8)


def test_and_binds_tighter_than_or_and_not_applies_to_one_term() -> None:
    p = parse_expectation("never: not A.x or B.y == 1 and C")
    assert isinstance(p.cond, BoolOp) and p.cond.op == "or"
    left, right = p.cond.operands
    assert isinstance(left, Not) and isinstance(left.operand, Truthy)
    assert isinstance(right, BoolOp) and right.op == "and"
    assert isinstance(right.operands[1], Truthy) and right.operands[1].operand == Name("C", 31)


def test_parentheses_group_conditions() -> None:
    p = parse_expectation("always: (A.x > 1 or A.y > 1) and A.z < 2")
    assert isinstance(p.cond, BoolOp) and p.cond.op == "and"
    assert isinstance(p.cond.operands[0], BoolOp) and p.cond.operands[0].op == "or"


@pytest.mark.parametrize(("text", "kind"), [
    ("always: A.x", "always"), ("never: A.x", "never"), ("eventually: A.x", "eventually"),
    ("stage: duration < 1 s", "stage"), ("every upshift: ShiftTimeMs < 250", "every"),
    ("within 400 ms of each handbrake_pull: A.x", "within"), ("segment 10 s .. 40 s: duration < 31 s", "segment"),
])
def test_every_scope_parses(text: str, kind: str) -> None:
    assert parse_expectation(text).scope.kind == kind


def test_within_window_is_in_seconds_and_segment_bounds_keep_their_dimension() -> None:
    assert parse_expectation("within 400 ms of each shift: A.x").scope.window_s == pytest.approx(0.4)
    seg = parse_expectation("segment 1 km .. end: duration < 60 s").scope
    assert seg.start is not None and (seg.start.value, seg.start.dimension) == (1000.0, "distance")
    assert seg.end is not None and seg.end.dimension == "end"


@pytest.mark.parametrize(("text", "column", "reason"), [
    ("always A.x < 1", 8, "expected ':' after the scope"),
    ("sometimes: A.x", 1, "unknown scope 'sometimes'"),
    ("always: A.x = 1", 13, "use '==' to compare"),
    ("always: 1 < A.x < 2", 17, "comparisons cannot be chained"),
    ("always: A.x < ", 15, "expected a number, signal or name, found the end"),
    ("always: (A.x < 1", 17, "expected ')'"),
    ("always: A.x < 1 $", 17, "unexpected character '$'"),
    ("within 400 of each shift: A.x", 8, "the window needs a time unit"),
    ("segment 10 s .. 5 s: duration < 1 s", 1, "the segment ends before it starts"),
    ("segment 10 s .. 5 km: duration < 1 s", 1, "both segment bounds must be times or both distances"),
    ("segment 10 rpm .. 20 rpm: duration < 1 s", 9, "a segment bound is a time"),
    ("always: and", 9, "'and' is a keyword"),
    ("always: 5x", 10, "unexpected 'x' after a number"),
])
def test_syntax_errors_name_the_column_and_reason(text: str, column: int, reason: str) -> None:
    with pytest.raises(ExprError) as exc:
        parse_expectation(text)
    assert exc.value.pos + 1 == column
    assert reason in exc.value.reason


@given(st.text(max_size=80))
def test_garbage_raises_only_expr_error(text: str) -> None:
    with contextlib.suppress(ExprError):
        parse_expectation(text)


@given(st.lists(st.sampled_from(["always", ":", "A.x", "<", "1", "ms", "and", "or", "not", "(", ")", "..",
                                 "every", "within", "of", "each", "max", "segment", "s", "==", "-", "end"]),
                max_size=14))
def test_token_soup_raises_only_expr_error(words: list[str]) -> None:
    with contextlib.suppress(ExprError):
        parse_expectation(" ".join(words))
