"""SocketCAN tests need `vcan0`: natively after the commands in SETUP, or inside `.ci/can-guest`.

Elsewhere they skip with the reason. Inside the guest (CAN_GUEST=1) a missing piece fails the
test instead: CI must show these tests passed, never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import can
import pytest

from tests.socketcan.realtime import IN_GUEST, VCAN

SETUP = (
    "sudo modprobe vcan && sudo ip link add dev vcan0 type vcan && sudo ip link set vcan0 mtu 72 up"
    " (or run them in a guest: .ci/can-guest -- python -m pytest -m socketcan tests/socketcan)"
)
IFF_UP = 0x1


def missing(reason: str) -> NoReturn:
    if IN_GUEST:
        pytest.fail(f"inside the can-guest: {reason}", pytrace=False)
    pytest.skip(reason)


def _vcan0_unusable() -> str | None:
    sysfs = Path("/sys/class/net", VCAN)
    if not sysfs.exists():
        return f"no {VCAN} on this machine; set it up with: {SETUP}"
    if not int((sysfs / "flags").read_text(), 16) & IFF_UP:
        return f"{VCAN} is down: sudo ip link set {VCAN} up"
    try:
        can.Bus(interface="socketcan", channel=VCAN).shutdown()
    except (can.CanError, OSError) as exc:
        return f"cannot open {VCAN} with python-can's socketcan backend: {exc}"
    return None


@pytest.fixture(scope="session", autouse=True)
def vcan0() -> str:
    """Every test here runs on vcan0 or not at all (session scope: before any module fixture)."""
    reason = _vcan0_unusable()
    if reason is not None:
        missing(reason)
    return VCAN


@pytest.fixture
def vcan0_fd(vcan0: str) -> str:
    """vcan0 with the CAN FD MTU (72); classic vcan (MTU 16) refuses FD frames."""
    mtu = int(Path("/sys/class/net", vcan0, "mtu").read_text())
    if mtu != 72:
        missing(f"{vcan0} has MTU {mtu}, CAN FD needs 72: sudo ip link set {vcan0} mtu 72")
    return vcan0


@pytest.fixture
def vcan0_admin(vcan0: str) -> Iterator[str]:
    """vcan0 for a test that changes it (down/up, qdisc); left up and queue-less whatever happens."""
    if os.geteuid() != 0:
        missing("changing vcan0 (ip link, tc qdisc) needs root")
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            missing(f"needs `{tool}` (Debian package iproute2)")
    txqueuelen = Path("/sys/class/net", vcan0, "tx_queue_len").read_text().strip()
    try:
        yield vcan0
    finally:
        subprocess.run(["tc", "qdisc", "del", "dev", vcan0, "root"], capture_output=True, check=False)
        subprocess.run(["ip", "link", "set", vcan0, "txqueuelen", txqueuelen, "up"], check=True)


@pytest.fixture(scope="session")
def candump() -> str:
    path = shutil.which("candump")
    if path is None:
        missing("needs candump (Debian package can-utils)")
    return path
