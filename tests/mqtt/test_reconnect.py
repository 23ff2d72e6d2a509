"""The broker dies mid-run and comes back: the CAN loop goes on, the bridge recovers and says what it dropped.

How late the CAN loop ran meanwhile is a real-time figure of the machine (two shared cores in CI):
`benchmarks/bench.py mqtt` measures it with the bridge off and on; here only behaviour is asserted.
"""

from __future__ import annotations

import asyncio

from hil.runtime.prepare import prepare
from hil.runtime.rig import Rig
from hil.stage.player import StagePlayer
from hil.stage.timeline import standing_start
from tests.mqtt.conftest import Broker
from tests.mqtt.support import S, mqtt_rig, recorder, until


async def test_broker_killed_and_restarted_mid_run_costs_no_can_frame(broker: Broker) -> None:
    cfg = mqtt_rig(broker, time_mode="real", queue_size=40, reconnect_min_s=0.1, reconnect_max_s=0.4,
                   status_period_s=0.5)
    async with Rig(prepare(cfg), player=StagePlayer(standing_start()), until_ns=6 * S) as rig:
        bridge = rig.bridge
        assert bridge is not None
        run = asyncio.create_task(rig.run(), name="test.run")
        await until(lambda: bridge.stats.connected)
        await asyncio.sleep(0.8)
        await asyncio.to_thread(broker.kill)  # blocking process calls stay off the CAN loop
        await until(lambda: not bridge.stats.connected, 3.0)
        # the outbox holds 40 messages: with no broker, telemetry beyond that is dropped and counted
        await until(lambda: bridge.outbox.telemetry_dropped > 0, 3.0)
        dropped_while_down = bridge.outbox.telemetry_dropped
        await asyncio.to_thread(broker.start)
        await until(lambda: bridge.stats.connects >= 2, 5.0)
        async with recorder(broker, "hil/virtual/status") as rec:
            await until(lambda: bool(rec.on("hil/virtual/status")), 3.0)
            status = rec.on("hil/virtual/status")[-1]
        outcome = await asyncio.wait_for(run, 10)
    assert outcome.reason == "completed" and outcome.reached_ns >= 6 * S, outcome
    assert bridge.stats.connection_losses >= 1
    assert dropped_while_down > 0, "telemetry was dropped (and counted) while the broker was away"
    assert status["state"] in ("running", "idle") and status["bridge"]["connects"] >= 2
    assert status["bridge"]["telemetry_dropped"] > 0, "the drop counter is in the republished status"
    assert rig.health.tx_errors == 0 and rig.health.frames_tx > 0
