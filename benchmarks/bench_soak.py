"""A long virtual-time soak: the 32-minute stage's blocks repeated for `hours`, RSS sampled as it runs.

    python benchmarks/bench.py --only soak --soak-h 24

The run is a whole one (CAN log, trace, KPIs, events, verdicts: several GB in a temporary folder for
24 h); RSS is read every simulated minute. "Flat" = the highest RSS of the second half of the run
within 10 % of the RSS at 10 % of it (start-up and the first allocations are behind by then).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.targets import Row

ROOT = Path(__file__).resolve().parents[1]

SOAK = r"""
import asyncio, json, sys
from pathlib import Path
from hil.config.rig import load_rig
from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
stage, out = sys.argv[1:3]
prep = prepare(load_rig(Path("rigs/virtual.toml")).with_flags(stage=stage, channel="soak"))
samples = []
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
def sample(t_ns, spec, signals, sent_here):
    if not samples or t_ns - samples[-1][0] >= 60_000_000_000:
        samples.append((t_ns, rss_mb()))
        print(json.dumps(samples[-1]), flush=True)  # one line a sample: a cut-short soak still tells
async def main():
    async with Rig(prep, out=Path(out)) as rig:
        rig.observe(sample)
        await rig.run()
asyncio.run(main())
"""


def soak_stage(hours: float, folder: Path) -> Path:
    """stages/long_mixed.yaml with its 2-minute blocks repeated to fill `hours`."""
    blocks = max(1, round(hours * 30))
    text = (ROOT / "stages" / "long_mixed.yaml").read_text()
    text = text.replace("  - repeat: 16\n", f"  - repeat: {blocks}\n", 1)
    text = text.replace("duration: 32 min", f"duration: {blocks * 2} min", 1)
    text = text.replace("count(handbrake_pull) == 16", f"count(handbrake_pull) == {blocks}", 1)
    path = folder / "soak.yaml"
    path.write_text(text)
    return path


def bench_soak(hours: float) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        stage = soak_stage(hours, Path(tmp))
        done = subprocess.run([sys.executable, "-c", SOAK, str(stage), str(Path(tmp) / "out")], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                              check=True)
    return soak_rows(done.stdout)


def soak_rows(stdout: str) -> list[Row]:
    """The soak's figures from the sample lines it printed (also those of a soak cut short)."""
    samples = [json.loads(line) for line in stdout.splitlines() if line.startswith("[")]
    rss = [mb for _, mb in samples]
    early = rss[len(rss) // 10]
    late = max(rss[len(rss) // 2:])
    return [
        Row("soak_hours", samples[-1][0] / 3.6e12, "h"),
        Row("soak_rss_growth", (late / early - 1) * 100, "%", "<= 10", note=f"{early:.0f} MB at 10 %, "
            f"max {late:.0f} MB in the second half, {len(rss)} samples"),
        Row("soak_peak_rss", max(rss), "MB"),
    ]
