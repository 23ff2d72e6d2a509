"""Assertions on a run's results that say, when they fail, what was measured and what was wanted."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hil.api import Results


def assert_passed(results: Results) -> None:
    """Every expectation of the stage held (and the stage ran to its end, so it was judged)."""
    if not results.passed:
        raise AssertionError(results.describe_failures())


def assert_kpi(results: Results, name: str, *, at_most: float | None = None, at_least: float | None = None) -> float:
    """A KPI (names as in kpis.json, units in the name) lies within bounds; returns its value."""
    if name not in results.kpis:
        close = difflib.get_close_matches(name, list(results.kpis), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else f" ({len(results.kpis)} KPIs in this run)"
        raise AssertionError(f"stage {results.stage!r} has no KPI {name!r}{hint}")
    value = results.kpis[name]
    if at_most is not None and not value <= at_most:
        raise AssertionError(f"stage {results.stage!r}: {name} = {value:g}, wanted <= {at_most:g}")
    if at_least is not None and not value >= at_least:
        raise AssertionError(f"stage {results.stage!r}: {name} = {value:g}, wanted >= {at_least:g}")
    return value


def assert_events(results: Results, kind: str, *, count: int | None = None, at_least: int | None = None) -> int:
    """The run saw `count` (or at least `at_least`) events of `kind` ("shift", "handbrake_pull", ...)."""
    found = results.of_kind(kind)
    if count is not None and len(found) != count:
        kinds = sorted({str(e.kind) for e in results.events})
        raise AssertionError(f"stage {results.stage!r}: {len(found)} {kind!r} event(s), wanted {count} "
                             f"(kinds seen: {', '.join(kinds) or 'none'})")
    if at_least is not None and len(found) < at_least:
        raise AssertionError(f"stage {results.stage!r}: {len(found)} {kind!r} event(s), wanted at least {at_least}")
    return len(found)
