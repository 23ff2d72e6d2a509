"""The per-frame pieces the speed work replaced, each against what it replaced, in the same run.

The whole-run baseline is an older checkout whose physics and features differ; these pairs run the
same frames through the old and the new code path (results identical, tests/bus/test_codegen.py,
tests/bus/test_logwriter.py, tests/results/test_trace_rows.py), so their ratios are the speed work's
own. Microseconds per frame, medians of 5 rounds. (The codec it replaced also memoised cantools'
results for repeated content; the baseline here is cantools itself, as every new value needs it.)
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import can

from benchmarks.targets import Row
from hil.bus.codec import Codec
from hil.bus.logwriter import FastCanutilsLogWriter
from hil.results import trace_schema as ts
from hil.results.trace_rows import row_function

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 5


def _us(work: Callable[[], object], n: int) -> float:
    """Median µs per call of `work` (run n times a round)."""
    rounds = []
    for _ in range(ROUNDS):
        t0 = time.process_time()
        for _ in range(n):
            work()
        rounds.append((time.process_time() - t0) / n * 1e6)
    return statistics.median(rounds)


def bench_components(n: int = 20_000) -> list[Row]:
    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    spec = codec.specs["ECM_Engine"]
    values = {"EngineSpeed": 4312.5, "EngineTorque": 250.0, "EngineTorqueMax": 700.0, "TorqueInterventionActive": 1.0}
    msg = codec.db.get_message_by_name(spec.name)
    _, data = codec.encode(spec.name, values)

    def cantools_decode() -> object:
        return {k: float(v) for k, v in msg.decode_simple(data, decode_choices=False).items()}  # type: ignore[arg-type]

    frames = [can.Message(timestamp=1.0 + i / 1000, arbitration_id=0x80, data=data, is_extended_id=False,
                          channel="d7xr-virtual", is_rx=bool(i % 2)) for i in range(64)]
    cols = ts.columns(spec)
    sig = codec.decode(spec, data, None).signals
    row = row_function(cols)
    encoder = codec.generated[spec.frame_id].encode  # payload before the E2E header, as cantools makes it
    pairs = {
        "encode": (lambda: encoder(values, None), lambda: codec._encode_cantools(spec, values, None)),
        "decode": (lambda: codec.decode(spec, data, None), cantools_decode),
        "log_line": (_writer(FastCanutilsLogWriter, frames), _writer(can.CanutilsLogWriter, frames)),
        "trace_row": (lambda: row(sig), lambda: [ts.csv_text(c) for c in ts.cells(sig, cols)]),
    }
    rows = []
    for name, (new, old) in pairs.items():
        ours, theirs = _us(new, n), _us(old, n)
        rows.append(Row(f"frame_{name}_us", ours, "us", "", theirs, "the code it replaced",
                        f"{theirs / ours:.1f}x faster, ECM_Engine"))
    return rows


def _writer(kind: type[can.CanutilsLogWriter], frames: list[can.Message]) -> Callable[[], object]:
    writer = kind(io.StringIO())
    k = [0]

    def write() -> None:
        writer.on_message_received(frames[k[0] % 64])
        k[0] += 1
        if k[0] % 4096 == 0:  # keep the buffer small
            writer.file.seek(0)
            writer.file.truncate()

    return write
