"""Fresh venvs for the install tests: commands run outside the repository, without PYTHONPATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "runs", "build", "dist", "*.egg-info", "__pycache__",
                                     ".*_cache", ".hypothesis")


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def run(args: list[str | Path], cwd: Path, **extra_env: str) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env={**env(), **extra_env}, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def venv(where: Path) -> Path:
    # No pip of its own: ensurepip would bring an older setuptools than the build needs. The
    # machine's pip runs under the venv's python (`python -m pip`) and installs into the venv.
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", where], where.parent)
    return where / "bin"
