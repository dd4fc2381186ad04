"""What a check found: its status, the reason and the fix (said for commands and for the
screens), and the error a step raises when it cannot finish (a leaf: imports no other
part of the engine but the setting names, and those only for a fix that names one)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


def both_ways(fix: str) -> tuple[str, str]:
    """A fix written with [[key]] marks, said for commands and for the screens
    (installer/setting_names.py, which needs the answers: imported only then)."""
    if "[[" not in fix:
        return fix, ""
    from installer.setting_names import both_ways as said_both_ways

    return said_both_ways(fix)


class Status(str, Enum):
    OK = "ok"
    NEEDED = "needed"
    WARNING = "warning"
    BROKEN = "broken"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Finding:
    """The state of one thing the installer makes true, with the fix when it is not."""

    status: Status
    reason: str
    fix: str = ""
    # The fix in the screens' words, where ``fix`` names an answers key or a flag (those are
    # for --yes, doctor and the README): what to choose or press on the screens instead.
    on_screen: str = ""

    def __post_init__(self) -> None:
        said, shown = both_ways(self.fix)
        if shown:
            object.__setattr__(self, "fix", said)
            object.__setattr__(self, "on_screen", self.on_screen or shown)

    def as_dict(self) -> dict[str, str]:
        found = {"status": self.status.value, "reason": self.reason, "fix": self.fix}
        return {**found, "on_screen": self.on_screen} if self.on_screen else found

    @property
    def screen_fix(self) -> str:
        """The fix as the screens say it."""
        return self.on_screen or self.fix

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def ok(reason: str) -> Finding:
    return Finding(Status.OK, reason)


def needed(reason: str, fix: str = "", on_screen: str = "") -> Finding:
    return Finding(Status.NEEDED, reason, fix, on_screen)


def broken(reason: str, fix: str = "", on_screen: str = "") -> Finding:
    return Finding(Status.BROKEN, reason, fix, on_screen)


def warning(reason: str, fix: str, on_screen: str = "") -> Finding:
    return Finding(Status.WARNING, reason, fix, on_screen)


def blocked(reason: str, fix: str, on_screen: str = "") -> Finding:
    return Finding(Status.BLOCKED, reason, fix, on_screen)


class StepError(Exception):
    """An apply that could not finish; carries a plain-language reason and fix."""

    def __init__(self, reason: str, fix: str = "", on_screen: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix, shown = both_ways(fix)
        self.on_screen = on_screen or shown
