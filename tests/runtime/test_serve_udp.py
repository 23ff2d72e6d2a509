"""`hil serve` on udp_multicast: two processes split the car's nodes and close the loop over the bus.

Runs inside a private network namespace with only loopback (multicast never leaves it).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import can

from hil.bus.codec import Codec
from hil.bus.e2e import E2EReceiver
from tests.netns import needs_netns, run_isolated
from tests.support import ROOT

pytestmark = needs_netns


def test_serve_controllers_in_one_process_talk_to_driver_and_plant_in_another(tmp_path: Path) -> None:
    hil = f"{sys.executable} -m hil.cli"
    rig = ROOT / "rigs" / "udp.toml"
    script = f"""
{hil} serve {rig} --emulate TCU,HHB,DCU --out {tmp_path}/ctl > {tmp_path}/ctl.txt 2>&1 &
ctl=$!
sleep 1.5
{hil} serve {rig} --emulate DRV,ECM,ABS --duration 4 --out {tmp_path}/car > {tmp_path}/car.txt 2>&1
kill -TERM $ctl
wait $ctl
"""
    done = run_isolated(script, timeout_s=60)
    ctl_out = (tmp_path / "ctl.txt").read_text()
    car_out = (tmp_path / "car.txt").read_text()
    assert done.returncode == 0, f"{done.stderr}\n{ctl_out}\n{car_out}"
    assert "stopped after" in ctl_out, "SIGTERM stops serve cleanly"

    codec = Codec.load(ROOT / "dbc" / "d7xr_powertrain.dbc")
    frames = list(can.LogReader(str(tmp_path / "car" / "can.log")))
    received = [f for f in frames if f.is_rx]
    by_name: dict[str, list[can.Message]] = {}
    for f in received:
        by_name.setdefault(codec.by_id[f.arbitration_id].name, []).append(f)
    assert {"TCU_Status", "TCU_TorqueRequest", "HHB_Status", "DCU_Status"} <= set(by_name)

    for name in ("TCU_Status", "HHB_Status", "DCU_Status"):
        spec = codec.specs[name]
        rx = E2EReceiver(spec.frame_id)
        statuses = [rx.check(bytes(f.data)) for f in by_name[name]]
        assert all(s.usable for s in statuses[1:]), f"{name}: every frame passes E2E"
        periods = [b.timestamp - a.timestamp for a, b in zip(by_name[name], by_name[name][1:], strict=False)]
        assert 0.009 < statistics.median(periods) < 0.011, f"{name} arrives on its 10 ms cycle"

    # The loop really closes across processes: the remote TCU shifted the car up.
    gears = [codec.decode(codec.specs["TCU_Status"], bytes(f.data), None).signals["GearActual"]
             for f in by_name["TCU_Status"]]
    assert max(gears) >= 2


def test_all_nodes_in_one_process_do_not_count_their_own_multicast_echoes_as_bad(tmp_path: Path) -> None:
    script = f"""
{sys.executable} -m hil.cli serve {ROOT / "rigs" / "udp.toml"} --duration 2 --out {tmp_path}/one \\
    > {tmp_path}/one.txt 2>&1
"""
    done = run_isolated(script, timeout_s=60)
    assert done.returncode == 0, f"{done.stderr}\n{(tmp_path / 'one.txt').read_text()}"
    health = json.loads((tmp_path / "one" / "run.json").read_text())["bus_health"]
    assert health["frames_tx"] > 100
    assert health["own_echoes"] == health["frames_tx"], "every frame sent came back once, and was recognised"
    assert health["frames_rx"] == 0 and health["unknown_id"] == 0
    assert not any(k.endswith(("REPEATED", "WRONG_SEQUENCE", "ERROR")) for k in health["e2e"]), health["e2e"]
