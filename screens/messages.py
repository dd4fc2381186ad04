"""Messages that carry engine events into the Textual message loop."""

from __future__ import annotations

from textual.message import Message

from installer.events import Event


class EngineEvent(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event
