"""The runner's contract: probe, apply only what is not ok, probe again, stop clearly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from installer.answers import from_mapping
from installer.events import Event, RunFinished, StepDone, StepFailed
from installer.host import PlanHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.runner import Runner
from installer.step import Context, Finding, StepError, blocked, needed, ok, warning

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


@dataclass
class Switch:
    """A step over one boolean: it is ok once applied (or when it starts on)."""

    id: str
    on: bool = False
    first: Finding | None = None
    fail_with: str | None = None
    applied: int = 0
    title: str = field(default="switch")

    def probe(self, ctx: Context) -> Finding:
        if self.first is not None and not self.applied:
            return self.first
        return ok("on") if self.on else needed("off")

    def apply(self, ctx: Context) -> None:
        self.applied += 1
        if self.fail_with:
            raise StepError(self.fail_with, "do the thing")
        self.on = True


def run(steps: list[Switch], accept: bool = False) -> tuple[RunFinished, list[Event]]:
    events: list[Event] = []
    config = from_mapping({"hostname": "h.example"})
    ctx = Context(
        host=PlanHost(None), config=config, paths=Paths.under("/nonexistent"),
        platform=detect(OS_RELEASE), emit=events.append, line=line_for(config),
    )
    return Runner(steps, ctx, [events.append]).run(accept_warnings=accept), events


def test_only_steps_that_are_not_ok_are_applied() -> None:
    steps = [Switch("a", on=True), Switch("b"), Switch("c", on=True)]
    result, events = run(steps)
    assert result.ok and result.applied == ("b",)
    assert [s.applied for s in steps] == [0, 1, 0]
    assert [e.applied for e in events if isinstance(e, StepDone)] == [False, True, False]


def test_a_healthy_install_applies_nothing() -> None:
    result, _ = run([Switch("a", on=True), Switch("b", on=True)])
    assert result.ok and result.applied == ()


def test_a_failed_apply_stops_the_run_with_its_reason_and_fix() -> None:
    steps = [Switch("a", fail_with="disk full"), Switch("b")]
    result, events = run(steps)
    assert not result.ok and result.failed == "a"
    failure = next(e for e in events if isinstance(e, StepFailed))
    assert failure.finding.reason == "disk full" and failure.finding.fix == "do the thing"
    assert steps[1].applied == 0


def test_blocked_stops_before_anything_is_applied() -> None:
    steps = [Switch("a", first=blocked("no", "fix")), Switch("b")]
    result, _ = run(steps)
    assert result.failed == "a" and steps[1].applied == 0


def test_warnings_stop_unless_accepted() -> None:
    stopped, events = run([Switch("a", first=warning("small", "grow it")), Switch("b")])
    assert stopped.failed == "a"
    failure = next(e for e in events if isinstance(e, StepFailed))
    assert "--accept-warnings" in failure.finding.fix
    accepted, _ = run([Switch("a", first=warning("small", "grow it")), Switch("b")], accept=True)
    assert accepted.ok and accepted.applied == ("b",)


def test_an_apply_that_does_not_make_the_probe_ok_is_a_failure() -> None:
    class Stubborn(Switch):
        def apply(self, ctx: Context) -> None:
            self.applied += 1

    result, _ = run([Stubborn("a")])
    assert not result.ok and result.failed == "a"


def test_a_stop_request_is_honoured_only_between_steps() -> None:
    steps = [Switch("a"), Switch("b"), Switch("c")]
    asked: list[str] = []

    def should_stop() -> bool:
        asked.append("?")
        return steps[0].applied == 1  # asked to stop while step a was running

    events: list[Event] = []
    config = from_mapping({"hostname": "h.example"})
    ctx = Context(
        host=PlanHost(None), config=config, paths=Paths.under("/nonexistent"),
        platform=detect(OS_RELEASE), emit=events.append, line=line_for(config),
    )
    result = Runner(steps, ctx, [events.append]).run(should_stop=should_stop)
    assert result == RunFinished(ok=False, applied=("a",), failed="b", stopped=True)
    assert [s.applied for s in steps] == [1, 0, 0]  # a finished whole; b never started


def test_a_full_disk_is_a_finding_not_a_traceback() -> None:
    class Full(Switch):
        def apply(self, ctx: Context) -> None:
            raise OSError(28, "No space left on device", "/var/lib/cht/x")

    result, events = run([Full("a")])
    failed = [e for e in events if isinstance(e, StepFailed)][0]
    assert not result.ok
    assert "is full" in failed.finding.reason and "no space left on device" in failed.finding.reason
    assert "/var/lib/cht/x" in failed.finding.reason
    assert "docker system prune" in failed.finding.fix
