"""Events the engine sends out to whichever front end is listening."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from installer.step import Finding


@dataclass(frozen=True)
class StepStarted:
    step_id: str
    title: str
    index: int
    total: int


@dataclass(frozen=True)
class StepProbed:
    step_id: str
    finding: Finding


@dataclass(frozen=True)
class Progress:
    """Work done on the running step; ``total`` is 0 when unknown."""

    step_id: str
    done: int
    total: int
    detail: str = ""
    # Finer parts when there are some, e.g. per image layer: (name, done, total).
    parts: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Log:
    step_id: str
    text: str


@dataclass(frozen=True)
class StepDone:
    step_id: str
    finding: Finding
    applied: bool


@dataclass(frozen=True)
class StepFailed:
    step_id: str
    finding: Finding


@dataclass(frozen=True)
class RunFinished:
    ok: bool
    applied: tuple[str, ...] = field(default_factory=tuple)
    failed: str | None = None


Event = StepStarted | StepProbed | Progress | Log | StepDone | StepFailed | RunFinished
Emit = Callable[[Event], None]


def event_to_dict(event: Event) -> dict[str, object]:
    """A JSON-ready form of an event, for the journal."""
    data: dict[str, object] = {"event": type(event).__name__}
    for name, value in vars(event).items():
        data[name] = value.as_dict() if isinstance(value, Finding) else value
    return data
