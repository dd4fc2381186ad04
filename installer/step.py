"""What a step is: a probe that returns a Finding and an idempotent apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

# The findings' types, where every step looks for them (installer/finding.py).
from installer.finding import (
    Finding,
    Status,
    StepError,
    blocked,
    broken,
    needed,
    ok,
    warning,
)

if TYPE_CHECKING:
    from installer.answers import InstallConfig
    from installer.events import Emit
    from installer.host import Host
    from installer.lines import Line
    from installer.paths import Paths
    from installer.platform import Platform

__all__ = ["Context", "Finding", "Status", "Step", "StepError", "blocked", "broken", "needed",
           "ok", "warning"]


@dataclass
class Context:
    """Everything a step may use: the seam, the choices, where files go, and the event sink."""

    host: Host
    config: InstallConfig
    paths: Paths
    platform: Platform
    emit: Emit
    line: Line  # the CHT line the answers choose (installer/lines/table.py)
    # Values a step learns that a later step needs (e.g. the compose command found).
    facts: dict[str, object] = field(default_factory=dict)
    step_id: str = ""

    def log(self, text: str) -> None:
        from installer.events import Log

        self.emit(Log(self.step_id, text))

    def progress(self, done: int, total: int, detail: str = "") -> None:
        from installer.events import Progress

        self.emit(Progress(self.step_id, done, total, detail))


class Step(Protocol):
    """One thing the installer makes true: probe says whether it is so (changing nothing),
    apply makes it so (idempotent; every change through ctx.host)."""

    id: str
    title: str

    def probe(self, ctx: Context) -> Finding: ...

    def apply(self, ctx: Context) -> None: ...

