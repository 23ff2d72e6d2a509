"""The rig's .log writer writes what python-can's CanutilsLogWriter writes, byte for byte."""

from __future__ import annotations

import io

import can
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.bus.logwriter import FastCanutilsLogWriter


@st.composite
def messages(draw: st.DrawFn) -> can.Message:
    fd = draw(st.booleans())
    extended = draw(st.booleans())
    return can.Message(
        timestamp=draw(st.one_of(st.none(), st.floats(0, 2e9, allow_nan=False), st.sampled_from([0.0, 1.5, 1e-7]))),
        arbitration_id=draw(st.integers(0, 0x1FFFFFFF if extended else 0x7FF)),
        is_extended_id=extended,
        is_remote_frame=draw(st.booleans()) and not fd,
        is_error_frame=draw(st.booleans()),
        is_fd=fd,
        bitrate_switch=fd and draw(st.booleans()),
        is_rx=draw(st.booleans()),
        channel=draw(st.one_of(st.none(), st.sampled_from(["d7xr-virtual", "vcan0", "0", "can1"]), st.integers(0, 3))),
        data=draw(st.binary(max_size=64 if fd else 8)),
        check=False,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(messages(), max_size=20))
def test_same_text_as_python_cans_writer(msgs: list[can.Message]) -> None:
    ours, theirs = io.StringIO(), io.StringIO()
    fast, reference = FastCanutilsLogWriter(ours), can.CanutilsLogWriter(theirs)
    for m in msgs:
        fast.on_message_received(m)
        reference.on_message_received(m)
    assert ours.getvalue() == theirs.getvalue()
