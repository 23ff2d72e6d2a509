"""The generated trace row of every message gives the cells and CSV text the column types define."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.bus.codec import Codec
from hil.results import trace_schema as ts
from hil.results.trace_rows import row_function
from tests.support import ROOT

CODEC = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
VALUES = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-300, 70_000).map(float),
                   st.sampled_from([0.0, 1.0, -0.0, 2.0, 3.0, math.nan, math.inf]), st.booleans())


@pytest.mark.parametrize("name", sorted(CODEC.specs))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_row_equals_the_cells_and_csv_text_of_each_column(name: str, data: st.DataObject) -> None:
    cols = ts.columns(CODEC.specs[name])
    sig = {c.name: v for c in cols if (v := data.draw(VALUES)) is not None}
    cells, texts = row_function(cols)(sig)
    want = ts.cells(sig, cols)
    assert [repr(c) for c in cells] == [repr(c) for c in want]  # repr: nan, -0.0 and True vs 1 differ
    assert texts == [ts.csv_text(c) for c in want]
