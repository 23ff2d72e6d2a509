"""The topic layout under one prefix (default `hil/<rig>`); the README documents the same table."""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = ("stage/start", "stage/stop", "calibration/set", "fault/inject")


@dataclass(frozen=True)
class Topics:
    prefix: str

    @property
    def status(self) -> str:
        return f"{self.prefix}/status"

    def signals(self, message: str) -> str:
        return f"{self.prefix}/signals/{message}"

    def event(self, kind: str) -> str:
        return f"{self.prefix}/events/{kind}"

    @property
    def commands(self) -> str:
        """Subscription filter for every command."""
        return f"{self.prefix}/cmd/#"

    def command(self, name: str) -> str:
        return f"{self.prefix}/cmd/{name}"

    def reply(self, name: str) -> str:
        return f"{self.prefix}/reply/{name}"

    def command_name(self, topic: str) -> str | None:
        """`<prefix>/cmd/stage/start` -> `stage/start`; None for a topic outside cmd/."""
        head = f"{self.prefix}/cmd/"
        return topic[len(head):] if topic.startswith(head) and len(topic) > len(head) else None
