"""Events the engine sends out to whichever front end is listening."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

from installer.finding import Finding, Status


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
    # True when the operator asked to stop and the run stopped at a safe point (before
    # the step named by ``failed``).
    stopped: bool = False


Event = StepStarted | StepProbed | Progress | Log | StepDone | StepFailed | RunFinished
Emit = Callable[[Event], None]


def event_to_dict(event: Event) -> dict[str, object]:
    """A JSON-ready form of an event, for the journal."""
    data: dict[str, object] = {"event": type(event).__name__}
    for name, value in vars(event).items():
        data[name] = value.as_dict() if isinstance(value, Finding) else value
    return data


KINDS: dict[str, type] = {kind.__name__: kind for kind in
                          (StepStarted, StepProbed, Progress, Log, StepDone, StepFailed,
                           RunFinished)}


def event_from_dict(data: dict[str, object]) -> Event | None:
    """The event a journal line holds (None for a line of another kind)."""

    kind = KINDS.get(str(data.get("event")))
    if kind is None:
        return None
    values = {f.name: data[f.name] for f in fields(kind) if f.name in data}
    finding = values.get("finding")
    if isinstance(finding, dict):
        values["finding"] = Finding(Status(finding["status"]), str(finding["reason"]),
                                    str(finding.get("fix", "")),
                                    str(finding.get("on_screen", "")))
    for name in ("applied", "parts"):
        if isinstance(values.get(name), list):
            values[name] = tuple(tuple(p) if isinstance(p, list) else p
                                 for p in values[name])  # type: ignore[attr-defined]
    try:
        event: Event = kind(**values)
    except TypeError:
        return None
    return event
