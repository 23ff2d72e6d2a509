"""A recorded CAN log (.asc, .blf, .log, ...) read once, to be replayed with its original timing.

Frame times are kept relative to the log's first frame (plus the stage's `start`); payloads
are replayed byte for byte. Frames of the nodes the rig emulates are left out: those nodes
are live in the session, and two senders of one message would fight on the bus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import can

from hil.bus.codec import Codec
from hil.errors import StageError

MAX_FRAMES = 5_000_000
# A capture on several CPUs (`candump -L` on SocketCAN) stamps each frame when it is sent but
# logs it when the receiving CPU gets to it, so the log can run a little backwards in time
# (measured: up to 4 ms in an emulated 2-CPU guest). Within this tolerance the frames are put
# back in time order; a bigger step back means a broken or concatenated log.
REORDER_TOLERANCE_NS = 100_000_000


@dataclass(frozen=True, slots=True)
class RawFrame:
    t_ns: int  # from the session start
    arbitration_id: int
    data: bytes
    is_extended_id: bool


@dataclass(frozen=True)
class Replay:
    path: Path
    frames: tuple[RawFrame, ...]

    @property
    def end_ns(self) -> int:
        return self.frames[-1].t_ns if self.frames else 0

    def for_rig(self, codec: Codec, emulate: frozenset[str]) -> list[RawFrame]:
        """The frames to put on the bus: every frame except those of emulated nodes."""
        def keep(f: RawFrame) -> bool:
            spec = codec.by_id.get(f.arbitration_id)
            return f.is_extended_id or spec is None or spec.sender not in emulate
        return [f for f in self.frames if keep(f)]


def read_can_log(path: Path, start_ns: int = 0, file: str | None = None, key: str = "input.can_log") -> Replay:
    """Read a CAN log with python-can's `LogReader` (format by suffix); error frames are dropped."""
    where = file or str(path)
    if not path.exists():
        raise StageError(where, key, f"CAN log {path} not found")
    frames: list[RawFrame] = []
    t0: float | None = None
    last = -1
    try:
        with can.LogReader(str(path)) as reader:
            for msg in reader:
                if msg.is_error_frame or msg.is_remote_frame:
                    continue
                if t0 is None:
                    t0 = msg.timestamp
                t = start_ns + round((msg.timestamp - t0) * 1e9)
                if t < last - REORDER_TOLERANCE_NS:
                    raise StageError(where, key, f"{path.name}: timestamps go back at frame {len(frames) + 1}")
                last = max(t, last)
                frames.append(RawFrame(t, msg.arbitration_id, bytes(msg.data), msg.is_extended_id))
                if len(frames) > MAX_FRAMES:
                    raise StageError(where, key, f"{path.name}: more than {MAX_FRAMES} frames")
    except StageError:
        raise
    except ValueError as exc:  # unknown suffix, or a line the reader cannot parse
        raise StageError(where, key, f"{path.name}: cannot read as a CAN log: {exc}") from None
    except Exception as exc:  # the readers raise many types for a corrupt file
        raise StageError(where, key, f"{path.name}: cannot read as a CAN log: {type(exc).__name__}: {exc}") from None
    if not frames:
        raise StageError(where, key, f"{path.name}: no data frames")
    frames.sort(key=lambda f: f.t_ns)  # stable: frames stamped alike keep their log order
    return Replay(path, tuple(frames))
