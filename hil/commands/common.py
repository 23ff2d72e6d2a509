"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from hil import data

DEFAULT_RIG = Path("rigs/virtual.toml")


def default_rig() -> Path:
    """`rigs/virtual.toml` of the working directory, else the copy shipped with the package."""
    if DEFAULT_RIG.exists():
        return DEFAULT_RIG
    return data.path(*data.DEFAULT_RIG)


def add_bus_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--interface", help="python-can interface (overrides [bus].interface)")
    p.add_argument("--channel", help="python-can channel (overrides [bus].channel)")
    p.add_argument("--bitrate", type=int, help="bit rate in bit/s (overrides [bus].bitrate)")


def add_out_flags(p: argparse.ArgumentParser, what: str, default: str) -> None:
    p.add_argument("--out", type=Path, help=f"{what} (default: {default}; an existing one only with --force)")
    p.add_argument("--force", action="store_true", help="empty an existing --out folder of an earlier hil run first")


def parse_nodes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(n.strip().upper() for n in text.split(",") if n.strip())
