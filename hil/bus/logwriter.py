"""python-can's candump-style .log writer with a short path for the frames a rig writes by the
thousand (classic data frames): the same text, byte for byte (tests/bus/test_logwriter.py), in one
f-string. Error, remote and CAN FD frames go through python-can's own code."""

from __future__ import annotations

from can import CanutilsLogWriter, Message


class FastCanutilsLogWriter(CanutilsLogWriter):
    _channels: dict[object, str]

    def on_message_received(self, msg: Message) -> None:
        if msg.is_error_frame or msg.is_remote_frame or msg.is_fd:
            super().on_message_received(msg)
            return
        stamp = msg.timestamp
        last = self.last_timestamp
        if last is None:  # python-can takes the first frame's time and keeps it as the floor
            last = self.last_timestamp = stamp or 0.0
        if stamp is None or stamp < last:
            stamp = last
        channel = self._channel(msg.channel if msg.channel is not None else self.channel)
        ident = f"{msg.arbitration_id:08X}" if msg.is_extended_id else f"{msg.arbitration_id:03X}"
        self.file.write(f"({stamp:f}) {channel} {ident}#{msg.data.hex().upper()}{' R' if msg.is_rx else ' T'}\n")

    def _channel(self, channel: object) -> str:
        try:
            cache = self._channels
        except AttributeError:
            cache = self._channels = {}
        text = cache.get(channel)
        if text is None:
            digits = isinstance(channel, int) or (isinstance(channel, str) and channel.isdigit())
            text = cache[channel] = f"can{channel}" if digits else f"{channel}"
        return text
