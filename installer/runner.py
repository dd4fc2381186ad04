"""Runs a plan: probe every step, apply what is not ok, probe again; events out."""

from __future__ import annotations

import errno
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from installer.disk import explain_os_error, is_disk_full
from installer.events import (
    Emit,
    Event,
    RunFinished,
    StepDone,
    StepFailed,
    StepProbed,
    StepStarted,
)
from installer.host import PlanHost
from installer.step import Context, Finding, Status, Step, StepError, blocked, broken
from installer.words import explain


@dataclass
class PlannedStep:
    id: str
    title: str
    finding: Finding
    actions: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The dry-run contract: status is ok, needed, warning or blocked; a repair of
        something broken is ``needed`` with ``repair`` true."""
        data: dict[str, object] = {"id": self.id, "title": self.title,
                                   **self.finding.as_dict()}
        repair = self.finding.status is Status.BROKEN
        if repair:
            data["status"] = Status.NEEDED.value
        data["repair"] = repair
        data["actions"] = self.actions
        return data


LOG_HINT = "/var/log/cht-install.log (send it with your question to CHT's forum)."


def safe_probe(step: Step, ctx: Context) -> Finding:
    ctx.step_id = step.id
    try:
        return step.probe(ctx)
    except Exception as exc:  # a probe that crashes is a finding, never a traceback
        ctx.host.log(f"probe {step.id} raised {type(exc).__name__}: {exc}")
        return broken(f"the check itself failed: {explain(exc)}",
                      f"The log has the details: {LOG_HINT}")


class Runner:
    def __init__(
        self, steps: Sequence[Step], ctx: Context, sinks: Sequence[Emit] = ()
    ) -> None:
        self.steps = list(steps)
        self.ctx = ctx
        self.sinks = list(sinks)
        ctx.emit = self.emit

    def emit(self, event: Event) -> None:
        for sink in self.sinks:
            sink(event)

    def run(self, accept_warnings: bool = False,
            should_stop: Callable[[], bool] = lambda: False) -> RunFinished:
        """Make every step true, in order; stop at the first that cannot be.

        ``should_stop`` is asked between steps (the safe points): a step is never cut short.
        """
        applied: list[str] = []
        total = len(self.steps)
        for index, step in enumerate(self.steps, start=1):
            if should_stop():
                self.ctx.host.log(f"stopped by the operator before {step.id}")
                result = RunFinished(ok=False, applied=tuple(applied), failed=step.id,
                                     stopped=True)
                self.emit(result)
                return result
            self.emit(StepStarted(step.id, step.title, index, total))
            finding = safe_probe(step, self.ctx)
            self.emit(StepProbed(step.id, finding))
            if finding.status is Status.OK or (
                finding.status is Status.WARNING and accept_warnings
            ):
                self.emit(StepDone(step.id, finding, applied=False))
                continue
            if finding.status is Status.WARNING:
                finding = Finding(
                    Status.WARNING, finding.reason,
                    f"{finding.fix} To go on anyway, accept the warning (--accept-warnings).",
                    f"{finding.screen_fix} To go on anyway, go back to the system check "
                    "(Esc) and press a to accept the warnings.")
                return self._fail(step.id, finding, applied)
            if finding.status is Status.BLOCKED:
                return self._fail(step.id, finding, applied)
            try:
                step.apply(self.ctx)
            except StepError as exc:
                return self._fail(step.id, broken(exc.reason, exc.fix, exc.on_screen), applied)
            except Exception as exc:
                self.ctx.host.log(f"apply {step.id} raised {type(exc).__name__}: {exc}")
                if is_disk_full(exc):
                    reason, fix = explain_os_error(
                        exc if isinstance(exc, OSError) else OSError(errno.ENOSPC, str(exc)))
                    return self._fail(step.id, broken(reason, fix), applied)
                return self._fail(
                    step.id, broken(explain(exc), f"The log has the details: {LOG_HINT}"),
                    applied,
                )
            applied.append(step.id)
            after = safe_probe(step, self.ctx)
            if after.status not in (Status.OK, Status.WARNING):
                return self._fail(step.id, after, applied)
            self.emit(StepDone(step.id, after, applied=True))
        result = RunFinished(ok=True, applied=tuple(applied))
        self.emit(result)
        return result

    def _fail(self, step_id: str, finding: Finding, applied: list[str]) -> RunFinished:
        self.emit(StepFailed(step_id, finding))
        result = RunFinished(ok=False, applied=tuple(applied), failed=step_id)
        self.emit(result)
        return result

    def plan(self) -> list[PlannedStep]:
        """Probe every step and record what applying it would do; changes nothing.

        Needs a Context whose host is a PlanHost.
        """
        host = self.ctx.host
        assert isinstance(host, PlanHost), "plan() records actions: give it a PlanHost"
        planned: list[PlannedStep] = []
        for step in self.steps:
            finding = safe_probe(step, self.ctx)
            actions: list[dict[str, object]] = []
            if finding.status in (Status.NEEDED, Status.BROKEN):
                try:
                    step.apply(self.ctx)
                except StepError as exc:
                    finding = blocked(exc.reason, exc.fix, exc.on_screen)
                except Exception as exc:
                    host.log(f"plan {step.id} raised {type(exc).__name__}: {exc}")
                    finding = blocked(explain(exc), f"The log has the details: {LOG_HINT}")
                actions = host.take_actions()
            host.take_actions()
            planned.append(PlannedStep(step.id, step.title, finding, actions))
        return planned
