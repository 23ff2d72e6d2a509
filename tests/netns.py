"""Cross-process tests on udp_multicast run inside a private network namespace with only loopback:
multicast never leaves the machine (`unshare -n`, loopback up with multicast, 224.0.0.0/4 on it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.support import ROOT

_LOOPBACK_ONLY = """set -e
ip link set lo up multicast on
ip route add 224.0.0.0/4 dev lo
"""


def unavailable() -> str | None:
    """Why a private network namespace cannot be made here (None: it can)."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, check=False)
    if probe.returncode != 0:
        return f"cannot create a private network namespace: {probe.stderr.decode().strip()}"
    return None


needs_netns = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


def run_isolated(script: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run a bash script (after `set -e` and the loopback set-up) in a fresh network namespace."""
    return subprocess.run(["unshare", "-n", "bash", "-c", _LOOPBACK_ONLY + script], cwd=ROOT, timeout=timeout_s,
                          check=False, capture_output=True, text=True)
