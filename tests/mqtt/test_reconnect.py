"""The broker dies mid-run and comes back: the CAN loop never notices, the bridge recovers."""

from __future__ import annotations

import asyncio

from hil.app import prepare, session_for
from hil.mqtt.service import build_bridge, run_with_bridge
from hil.runtime.clock import RealTimeClock
from hil.stage.player import StagePlayer
from hil.stage.timeline import standing_start
from tests.mqtt.conftest import Broker
from tests.mqtt.support import S, mqtt_rig, recorder, until


async def test_broker_killed_and_restarted_mid_run_costs_no_can_frame(broker: Broker) -> None:
    rig = mqtt_rig(broker, time_mode="real", queue_size=40, reconnect_min_s=0.1, reconnect_max_s=0.4,
                   status_period_s=0.5)
    prep = prepare(rig)
    player = StagePlayer(standing_start())
    with session_for(prep, None, player=player) as session:
        bridge = build_bridge(prep, session, player)
        assert bridge is not None
        stop = asyncio.Event()
        run = asyncio.create_task(run_with_bridge(session, 4 * S, stop, bridge), name="hil.session+mqtt")
        await until(lambda: bridge.stats.connected)
        await asyncio.sleep(0.8)
        await asyncio.to_thread(broker.kill)  # blocking process calls stay off the CAN loop
        await asyncio.sleep(1.2)
        assert not bridge.stats.connected
        dropped_while_down = bridge.outbox.telemetry_dropped
        await asyncio.to_thread(broker.start)
        await until(lambda: bridge.stats.connects >= 2, 3.0)
        async with recorder(broker, "hil/virtual/status") as rec:
            await until(lambda: bool(rec.on("hil/virtual/status")), 3.0)
            status = rec.on("hil/virtual/status")[-1]
        await asyncio.wait_for(run, 10)
    clock = session.clock
    assert isinstance(clock, RealTimeClock)
    lateness = clock.lateness.summary_ms()
    assert session.clock.now_ns() >= 4 * S, "the run completed"
    assert bridge.stats.connection_losses >= 1
    assert dropped_while_down > 0, "telemetry was dropped (and counted) while the broker was away"
    assert status["state"] in ("running", "idle") and status["bridge"]["connects"] >= 2
    assert status["bridge"]["telemetry_dropped"] > 0, "the drop counter is in the republished status"
    assert session.health.late_frames == 0, f"no cyclic frame missed its slot (lateness {lateness})"
    # Wake-up lateness mostly measures the machine (2 shared cores in CI); the bridge's share is
    # measured on vs off by benchmarks/bench.py. Here: the loop was never held up for long.
    assert lateness["median"] < 5.0, f"lateness {lateness}"
