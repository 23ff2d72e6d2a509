"""ISO-TP (ISO 15765-2) in virtual time: can-isotp's protocol logic driven with time as an argument.

can-isotp's `TransportLayerLogic` is a state machine fed through `rxfn`/`txfn`; only its three
timers read the wall clock (`perf_counter_ns` in `isotp.tools.Timer`): N_Cr (consecutive-frame
timeout), N_Bs (flow-control timeout) and STmin (gap between our consecutive frames). We give it
timers that read the link's own `now_ns`, set by each call, so a virtual run is deterministic
and a real-time run behaves as before. The library re-creates two timers in private methods
(`_start_rx_fc_timer`, `_start_rx_cf_timer`); those are overridden to restart ours, and the
version is pinned below 3 (a test fails should a wall-clock timer ever slip back in).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import isotp
from isotp.tools import Timer

ISOTP_LOGGER = "hil.diag.isotp"
# can-isotp logs every protocol fault as a warning; we count them instead (a fuzzed bus would
# otherwise print thousands of lines).
logging.getLogger(ISOTP_LOGGER).setLevel(logging.ERROR)
PADDING = 0xAA  # responses are padded to 8 bytes, as bench testers expect


class VirtualTimer(Timer):
    """can-isotp's Timer reading an injected ns clock instead of `perf_counter_ns`."""

    def __init__(self, timeout_s: float, now_ns: Callable[[], int]) -> None:
        self._now_ns = now_ns
        super().__init__(timeout_s)

    def start(self, timeout: float | None = None) -> None:
        if timeout is not None:
            self.set_timeout(timeout)
        self.start_time = self._now_ns()

    def elapsed_ns(self) -> int:
        return 0 if self.start_time is None else self._now_ns() - self.start_time

    def elapsed(self) -> float:
        return self.elapsed_ns() / 1e9

    def is_timed_out(self) -> bool:
        # `>=`: a timeout of T ns is over at start + T exactly, so virtual frames fall on whole
        # instants (the library's `>` would put them 1 ns later).
        return self.start_time is not None and self.elapsed_ns() >= self.timeout

    def deadline_ns(self) -> int | None:
        """When it times out, if running."""
        return None if self.start_time is None else self.start_time + self.timeout


class _VirtualTimeLogic(isotp.TransportLayerLogic):
    def __init__(self, now_ns: Callable[[], int], rxfn: isotp.TransportLayerLogic.RxFn,
                 txfn: isotp.TransportLayerLogic.TxFn, address: isotp.Address, *,
                 error_handler: isotp.TransportLayerLogic.ErrorHandler, params: dict[str, object]) -> None:
        self._now_ns = now_ns  # before super().__init__, which calls load_params
        super().__init__(rxfn, txfn, address, error_handler=error_handler, params=params)
        self.timer_tx_stmin = VirtualTimer(0, now_ns)

    def load_params(self) -> None:
        super().load_params()
        self.timer_rx_fc = VirtualTimer(self.params.rx_flowcontrol_timeout / 1000, self._now_ns)
        self.timer_rx_cf = VirtualTimer(self.params.rx_consecutive_frame_timeout / 1000, self._now_ns)

    def _start_rx_fc_timer(self) -> None:
        self.timer_rx_fc.start(self.params.rx_flowcontrol_timeout / 1000)

    def _start_rx_cf_timer(self) -> None:
        self.timer_rx_cf.start(self.params.rx_consecutive_frame_timeout / 1000)

    def timers(self) -> tuple[Timer, ...]:
        return (self.timer_tx_stmin, self.timer_rx_fc, self.timer_rx_cf)


class IsoTpLink:
    """One ISO-TP channel, 11-bit normal addressing: frames on `rxid` in, frames on `txid` out."""

    def __init__(self, rxid: int, txid: int, *, stmin_ms: int = 0, blocksize: int = 0,
                 padding: int | None = PADDING) -> None:
        self.rxid = rxid
        self.txid = txid
        self.errors = 0  # protocol faults (bad sequence, timeouts, unexpected frames): counted
        self.last_error = ""
        self._now_ns = 0
        self._inbox: deque[isotp.CanMessage] = deque()
        self._outbox: list[tuple[int, bytes]] = []
        params: dict[str, object] = {
            "stmin": stmin_ms, "blocksize": blocksize, "tx_padding": padding,
            "tx_data_min_length": 8 if padding is not None else None,
            "logger_name": ISOTP_LOGGER, "max_frame_size": 4095,
        }
        self._logic = _VirtualTimeLogic(
            lambda: self._now_ns, self._rx, self._tx,
            isotp.Address(isotp.AddressingMode.Normal_11bits, rxid=rxid, txid=txid),
            error_handler=self._error, params=params)

    def _rx(self, timeout: float) -> isotp.CanMessage | None:
        return self._inbox.popleft() if self._inbox else None

    def _tx(self, msg: isotp.CanMessage) -> None:
        self._outbox.append((msg.arbitration_id, bytes(msg.data)))

    def _error(self, exc: Exception) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"

    def feed(self, data: bytes, now_ns: int) -> list[tuple[int, bytes]]:
        """A frame on `rxid` arrived: returns the frames to send now (e.g. a flow control)."""
        self._inbox.append(isotp.CanMessage(arbitration_id=self.rxid, data=data))
        return self.process(now_ns)

    def send(self, payload: bytes, now_ns: int) -> list[tuple[int, bytes]]:
        """Queue a whole message (e.g. a UDS response) and return the frames that go out now."""
        self._logic.send(payload)
        return self.process(now_ns)

    def process(self, now_ns: int) -> list[tuple[int, bytes]]:
        self._now_ns = now_ns
        self._logic.process()
        out, self._outbox = self._outbox, []
        return out

    def received(self) -> list[bytes]:
        """Complete messages reassembled since the last call."""
        out: list[bytes] = []
        while (payload := self._logic.recv()) is not None:
            out.append(bytes(payload))
        return out

    def next_due_ns(self) -> int | None:
        """The next instant a timer of the protocol expires (STmin only matters while sending CFs)."""
        logic = self._logic
        deadlines = [t.deadline_ns() for t in (logic.timer_rx_fc, logic.timer_rx_cf) if isinstance(t, VirtualTimer)]
        if logic.is_tx_transmitting_cf() and isinstance(logic.timer_tx_stmin, VirtualTimer):
            deadlines.append(logic.timer_tx_stmin.deadline_ns())
        times = [d for d in deadlines if d is not None]
        return min(times) if times else None

    @property
    def busy(self) -> bool:
        return self._logic.transmitting() or self._logic.is_rx_active()

    def reset(self) -> None:
        self._logic.reset()
        self._inbox.clear()

    def wall_clock_timers(self) -> list[str]:
        """Names of timers that are not virtual (must be none; checked by the tests)."""
        return [type(t).__name__ for t in self._logic.timers() if not isinstance(t, VirtualTimer)]
