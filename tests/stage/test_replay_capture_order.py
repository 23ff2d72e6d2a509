"""A `candump -L` log from a multi-CPU capture replays in time order; one that really goes back is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.errors import StageError
from hil.stage.replay import read_can_log

MS = 1_000_000


def _candump_log(path: Path, times: list[float]) -> Path:
    # candump -L lines: (seconds.micros) interface id#data
    path.write_text("".join(f"({t:.6f}) vcan0 {0x60 + i:03X}#00{i:02X}\n" for i, t in enumerate(times)))
    return path


def test_frames_logged_out_of_order_by_milliseconds_replay_in_time_order(tmp_path: Path) -> None:
    # Measured in the qemu guest: frames of two senders on two CPUs logged up to 4 ms out of order.
    log = _candump_log(tmp_path / "candump.log", [100.000, 100.010, 100.006, 100.020, 100.020])
    replay = read_can_log(log)
    assert [f.arbitration_id for f in replay.frames] == [0x60, 0x62, 0x61, 0x63, 0x64]
    assert [f.t_ns for f in replay.frames] == [0, 6 * MS, 10 * MS, 20 * MS, 20 * MS]


def test_a_log_that_goes_back_by_more_than_100_ms_is_refused(tmp_path: Path) -> None:
    log = _candump_log(tmp_path / "joined.log", [100.0, 100.5, 100.3])
    with pytest.raises(StageError, match="timestamps go back at frame 3"):
        read_can_log(log)
