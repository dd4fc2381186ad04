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
    from installer.lines.current.upgrade import Upgrade
    from installer.migration.note import Migration
    from installer.password_change import Change
    from installer.paths import Paths
    from installer.platform import Platform

__all__ = ["Context", "Finding", "Status", "Step", "StepError", "blocked", "broken", "needed",
           "ok", "warning"]


@dataclass
class RunFacts:
    """What the session tells the steps of one run, and what they learn and pass on."""

    keep_compose_edits: bool = False  # the operator chose to keep their compose-file edits
    saved_answers: InstallConfig | None = None  # the last run's answers (None: the first run)
    force_renewal: bool = False  # renew the Let's Encrypt certificate even if not yet due
    compose: list[str] | None = None  # the compose command that works (compose.available)
    # Secrets made in this run, made once: a plan and its run name the same ones.
    new_password: str | None = None
    new_secret: str | None = None
    new_uuid: str | None = None
    pull_retry_delays: tuple[float, ...] | None = None  # None: the images step's own
    password_change: Change | None = None  # `cht-install password`: old and new
    upgrade: Upgrade | None = None  # `cht-install upgrade`: from, to and its backup
    migration: Migration | None = None  # `cht-install migrate`: the note, as it grows
    upgrade_stalled: bool = False  # the upgrade's indexing stalled (kept, not cancelled)
    # The package lists were refreshed in this run, and no package source was added since:
    # the next install needs no refresh of its own.
    packages_refreshed: bool = False
    packages_installed: set[str] = field(default_factory=set)  # by this run (or its plan)


@dataclass
class Context:
    """Everything a step may use: the seam, the choices, where files go, and the event sink."""

    host: Host
    config: InstallConfig
    paths: Paths
    platform: Platform
    emit: Emit
    line: Line  # the CHT line the answers choose (installer/lines/table.py)
    facts: RunFacts = field(default_factory=RunFacts)
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

