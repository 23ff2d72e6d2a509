"""A small private filesystem for tests of full and read-only disks: a tmpfs mounted in a private
mount namespace (`unshare -rm`), gone when the command ends. Nothing outside the test is touched."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


@functools.cache
def unavailable() -> str | None:
    """Why private tmpfs mounts cannot be made here (None: they can)."""
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"cannot mount a private tmpfs: {probe.stderr.strip()}"
    return None


def run_on_small_fs(mount: Path, size_kb: int, script: str, *, read_only: bool = False,
                    timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the bash `script` with a `size_kb` tmpfs (read-only if asked) mounted on `mount`.

    The script sees `$PY` (this Python) and runs in the repository; copy results out of `mount`
    before it ends (the tmpfs goes with the namespace).
    """
    mount.mkdir(parents=True, exist_ok=True)
    ro = f"mount -o remount,ro {mount}\n" if read_only else ""
    body = f"set -u\nmount -t tmpfs -o size={size_kb}k tmpfs {mount}\n{ro}PY={sys.executable}\n{script}"
    return subprocess.run(["unshare", "-rm", "bash", "-c", body], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)
