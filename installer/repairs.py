"""What a run put right, in words: what each changed step found wrong, and what is now so."""

from __future__ import annotations

from installer import words
from installer.events import Event, RunFinished, StepProbed, StepStarted
from installer.step import Finding


class RepairNotes:
    """A sink for a run's events that remembers, for each step, what its first probe found
    (before anything was applied) and its title."""

    def __init__(self, titles: dict[str, str] | None = None) -> None:
        self.before: dict[str, Finding] = {}
        self.titles: dict[str, str] = dict(titles or {})  # every step's, when known up front
        self.result: RunFinished | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.titles[event.step_id] = event.title
        elif isinstance(event, StepProbed):
            self.before.setdefault(event.step_id, event.finding)
        elif isinstance(event, RunFinished):
            self.result = event

    def title(self, step_id: str | None) -> str:
        """A step by its title (its id only when the title is not known)."""
        return self.titles.get(step_id or "", step_id or "the next step")

    def lines(self, result: RunFinished) -> list[str]:
        """One line per step the run changed: what its probe found, and what is now so."""
        said = []
        for step_id in result.applied:
            found = self.before.get(step_id)
            was = found.reason.rstrip(".") if found and found.reason else "not done yet"
            said.append(f"Found: {was}. Now: {self.title(step_id)}.")
        return said

    def outcome(self, result: RunFinished, repair: bool) -> str:
        """The run's end in one sentence: installed, repaired, or nothing needed."""
        if not result.applied:
            return ("Nothing needed repair: every step was checked and is fine, so nothing "
                    "was changed." if repair else
                    "Everything was already in place: nothing was changed.")
        count = words.count(len(result.applied), "step")
        if repair:
            return (f"CHT is repaired: {count} put right (steps found fine when their turn "
                    "came are not counted).")
        return f"CHT is installed ({count} done)."
