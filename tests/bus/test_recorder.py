"""The CAN log keeps every complete line: on a full disk, on /dev/full, after SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import can
import pytest

from hil.bus.recorder import LineFile, Recorder
from hil.errors import ResultsError
from tests.results import sandbox
from tests.support import ROOT


def _frame(i: int) -> can.Message:
    return can.Message(timestamp=i / 1000, arbitration_id=0x60 + i % 8, data=bytes([i % 256] * 8), is_rx=False)


@pytest.mark.parametrize("suffix", [".log", ".asc", ".csv", ".trc"])
def test_text_logs_read_back_frame_for_frame(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"can{suffix}"
    with Recorder(path) as rec:
        for i in range(3000):  # several flushes
            rec.write(_frame(i))
    frames = list(can.LogReader(str(path)))
    assert len(frames) == 3000
    assert [f.data[0] for f in frames[:3]] == [0, 1, 2] and frames[-1].arbitration_id == 0x60 + 2999 % 8


def test_dev_full_is_one_clear_error_and_close_stays_quiet() -> None:
    file = LineFile(Path("/dev/full"))
    writer = can.CanutilsLogWriter(file=file)
    with pytest.raises(ResultsError, match="/dev/full: cannot write: No space left on device"):
        for i in range(5000):
            writer.on_message_received(_frame(i))
    writer.on_message_received(_frame(1))  # dropped: the error was raised once
    writer.stop()


@pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))
@pytest.mark.parametrize("suffix", [".log", ".asc"])
def test_full_disk_leaves_every_complete_line_and_no_cut_one(tmp_path: Path, suffix: str) -> None:
    mnt = tmp_path / "mnt"
    code = (f"from pathlib import Path\nimport can\nfrom hil.bus.recorder import Recorder\n"
            f"from hil.errors import ResultsError\nrec = Recorder(Path('{mnt}/can{suffix}'))\n"
            "try:\n    for i in range(100000):\n"
            "        rec.write(can.Message(timestamp=i / 1000, arbitration_id=0x60, data=bytes(8)))\n"
            "except ResultsError as e:\n    print('refused:', e)\nrec.close()\n")
    script = f"$PY -c \"{code}\"\ncp {mnt}/can{suffix} {tmp_path}/kept{suffix}\n"
    done = sandbox.run_on_small_fs(mnt, 48, script)
    assert "refused:" in done.stdout and "No space left on device" in done.stdout, done.stdout + done.stderr
    text = (tmp_path / f"kept{suffix}").read_text()
    assert text.endswith("\n") and len(text) > 20_000
    frames = list(can.LogReader(str(tmp_path / f"kept{suffix}")))
    assert len(frames) > 300 and all(f.arbitration_id == 0x60 and len(f.data) == 8 for f in frames)


def test_sigkill_leaves_only_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "can.log"
    code = (f"from pathlib import Path\nimport can, time\nfrom hil.bus.recorder import Recorder\n"
            f"rec = Recorder(Path('{path}'))\ni = 0\nwhile True:\n"
            "    rec.write(can.Message(timestamp=i / 1000, arbitration_id=0x60, data=bytes(8)))\n    i += 1\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 30
    while (not path.exists() or path.stat().st_size < 50_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    text = path.read_text()
    assert text.endswith("\n")
    assert len(list(can.LogReader(str(path)))) == text.count("\n")


def test_a_blf_log_survives_a_channel_name_ending_in_a_big_number(tmp_path: Path) -> None:
    # python-can's BLF writer reads 'gate-b01a548092' as channel 548092, which a BLF cannot hold
    path = tmp_path / "can.blf"
    with Recorder(path) as rec:
        for i, channel in enumerate(["gate-b01a548092", "vcan0", None]):
            rec.write(can.Message(timestamp=i, arbitration_id=0x60, data=bytes(8), channel=channel))
    assert len(list(can.LogReader(str(path)))) == 3
