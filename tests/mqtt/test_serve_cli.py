"""`hil serve --mqtt` end to end in a subprocess: live status and telemetry, then the last will."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.mqtt.conftest import ROOT, Broker
from tests.mqtt.support import recorder, until


def serve(broker: Broker, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hil.cli", "serve", str(ROOT / "rigs" / "virtual.toml"),
         "--mqtt", f"127.0.0.1:{broker.port}", "--channel", f"cli-{os.getpid()}", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


async def test_serve_with_mqtt_flag_publishes_live_and_its_will_says_offline_when_killed(
        broker: Broker, tmp_path: Path) -> None:
    async with recorder(broker, "hil/virtual/status", "hil/virtual/signals/ECM_Engine") as rec:
        proc = serve(broker, tmp_path / "run")
        try:
            await until(lambda: any(s["state"] == "running" for s in rec.on("hil/virtual/status")), 10.0)
            await until(lambda: len(rec.on("hil/virtual/signals/ECM_Engine")) >= 5, 5.0)
            proc.send_signal(signal.SIGKILL)  # no clean shutdown: the broker sends the will
            proc.wait(5)
            await until(lambda: rec.on("hil/virtual/status")[-1]["state"] == "offline", 5.0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
    assert rec.on("hil/virtual/status")[-1]["reason"] == "connection lost"


async def test_serve_stops_cleanly_on_sigterm_with_a_final_offline_status(broker: Broker, tmp_path: Path) -> None:
    async with recorder(broker, "hil/virtual/status") as rec:
        proc = serve(broker, tmp_path / "run")
        try:
            await until(lambda: any(s["state"] == "running" for s in rec.on("hil/virtual/status")), 10.0)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(5) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        await until(lambda: rec.on("hil/virtual/status")[-1]["state"] == "offline", 5.0)
    final = rec.on("hil/virtual/status")[-1]
    assert final["reason"] == "SIGTERM", "a clean stop that says why, not the will"
    assert final["health"]["frames_tx"] > 0
