"""`hil diag` against a controller answering on a real python-can virtual bus, in real time."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator

import can
import pytest

from hil.commands import diag
from hil.diag.endpoint import DiagEndpoint
from tests.diag.support import VIN, Hooks, make_endpoint
from tests.support import VIRTUAL_RIG, unique_channel


class _Responder(threading.Thread):
    """A DiagEndpoint answering on a virtual channel with the wall clock (as `hil serve` would)."""

    def __init__(self, channel: str, endpoint: DiagEndpoint) -> None:
        super().__init__(daemon=True)
        self.bus = can.Bus(interface="virtual", channel=channel)
        self.endpoint = endpoint
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            msg = self.bus.recv(0.01)
            now = time.monotonic_ns()
            out = self.endpoint.poll(now)
            if msg is not None and msg.arbitration_id in self.endpoint.ids:
                out += self.endpoint.on_frame(msg.arbitration_id, bytes(msg.data), now)
            for frame_id, data in out:
                self.bus.send(can.Message(arbitration_id=frame_id, data=data, is_extended_id=False))


@pytest.fixture
def bench() -> Iterator[tuple[str, DiagEndpoint]]:
    channel = unique_channel()
    endpoint = make_endpoint(Hooks())
    responder = _Responder(channel, endpoint)
    responder.start()
    yield channel, endpoint
    responder.stop.set()
    responder.join()
    responder.bus.shutdown()


def _diag(channel: str, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    diag.register(parser.add_subparsers())
    args = parser.parse_args(["diag", str(VIRTUAL_RIG), "--channel", channel, "--timeout", "2", *argv])
    return int(args.handler(args))


def test_read_did_prints_the_vin(bench: tuple[str, DiagEndpoint], capsys: pytest.CaptureFixture[str]) -> None:
    channel, _ = bench
    assert _diag(channel, "read-did", "0xF190") == 0
    assert f"0xF190 VIN: '{VIN}'" in capsys.readouterr().out


def test_read_and_clear_dtcs(bench: tuple[str, DiagEndpoint], capsys: pytest.CaptureFixture[str]) -> None:
    channel, endpoint = bench
    endpoint.server.dtcs.report(0xC10000, failed=True)
    assert _diag(channel, "read-dtc") == 0
    out = capsys.readouterr().out
    assert "TCU: 1 DTC(s)" in out and "U0100-00 (0xC10000) status 0x0F" in out and "ECM" in out
    assert _diag(channel, "clear-dtc") == 0
    assert _diag(channel, "read-dtc", "--mask", "0x08") == 0
    assert "TCU: 0 DTC(s)" in capsys.readouterr().out


def test_session_extended_and_a_negative_answer_exits_1(bench: tuple[str, DiagEndpoint]) -> None:
    channel, endpoint = bench
    assert _diag(channel, "session", "extended") == 0
    assert endpoint.server.session == 3
    from hil.errors import CheckFailedError
    with pytest.raises(CheckFailedError, match="0x31"):
        _diag(channel, "read-did", "0x1234")
