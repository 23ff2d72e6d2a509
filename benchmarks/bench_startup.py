"""Start-up: `hil --help`, and `hil serve` from launch to its first frame on the bus (wall seconds, medians).

Both run as fresh processes, as a user or CI starts them; the bare interpreter (`python -c pass`) is
measured alongside so the figure can be read against what Python itself costs on this machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - t0


def _serve_to_first_frame(out: Path) -> float:
    cmd = [sys.executable, "-m", "hil", "serve", "rigs/virtual.toml", "-v", "--duration", "10",
           "--channel", f"bench-{uuid.uuid4().hex[:8]}", "--out", str(out)]
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "first frame on the bus" in line:
                wall = time.perf_counter() - t0
                proc.terminate()  # SIGTERM: serve's normal stop
                proc.communicate(timeout=30)
                return wall
        raise RuntimeError("hil serve ended without a first frame")


def bench_startup() -> dict[str, float]:
    python = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(RUNS))
    help_s = statistics.median(_wall([sys.executable, "-m", "hil", "--help"]) for _ in range(RUNS))
    with tempfile.TemporaryDirectory() as tmp:
        serve = statistics.median(_serve_to_first_frame(Path(tmp) / str(i)) for i in range(RUNS))
    return {"startup_python_s": python, "startup_help_s": help_s, "startup_serve_first_frame_s": serve}
