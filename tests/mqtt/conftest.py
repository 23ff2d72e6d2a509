"""A real mosquitto on a free loopback port per test (config generated in tmp_path), killed afterwards."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
ROOT = Path(__file__).resolve().parents[2]
ACL_EXAMPLE = ROOT / "rigs" / "mosquitto" / "acl"



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/mqtt carries the `mqtt` marker (`pytest -m mqtt`, `-m "not mqtt"`)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.mqtt)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Broker:
    """One mosquitto process bound to 127.0.0.1; `kill()` and `start()` again on the same port."""

    tmp: Path
    port: int = field(default_factory=free_port)
    users: dict[str, str] = field(default_factory=dict)  # with users: passwords + the example ACL
    proc: subprocess.Popen[bytes] | None = None

    def config(self) -> Path:
        # as root, mosquitto drops to user "mosquitto", who cannot read pytest's 0700 tmp_path
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", "log_dest none",
                 f"user {getpass.getuser()}"]
        if self.users:
            passwd = self.tmp / "passwd"
            passwd.write_text("")
            for user, password in self.users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True,
                               capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwd}", f"acl_file {ACL_EXAMPLE}"]
        else:
            lines += ["allow_anonymous true"]
        path = self.tmp / "mosquitto.conf"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self) -> None:
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.config())],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"mosquitto exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start listening within 5 s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None


def _broker(tmp_path: Path, users: dict[str, str] | None = None) -> Iterator[Broker]:
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    b = Broker(tmp_path, users=users or {})
    b.start()
    try:
        yield b
    finally:
        b.kill()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    yield from _broker(tmp_path)


USERS = {"rig-virtual": "rig-secret", "dashboard": "dash-secret", "operator": "op-secret"}


@pytest.fixture
def secured_broker(tmp_path: Path) -> Iterator[Broker]:
    """Passwords and the ACL shipped in rigs/mosquitto/acl (rig, dashboard, operator)."""
    yield from _broker(tmp_path, USERS)
