"""Plans and outcomes as JSON (the dry-run contract) and as plain text lines."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence

from installer.answers import InstallConfig
from installer.doctor_checks import Check
from installer.events import (
    Event,
    Log,
    Progress,
    RunFinished,
    StepDone,
    StepFailed,
    StepStarted,
)
from installer.lines.table import line_for
from installer.platform import Platform
from installer.proxy import proxies_for
from installer.rate import Rate
from installer.repairs import RepairNotes
from installer.runner import PlannedStep
from installer.step import Status
from installer.words import WIDEST, summary, word


def plan_json(platform: Platform, planned: Sequence[PlannedStep],
              host_name: tuple[bool, str] = (False, ""),
              config: InstallConfig | None = None) -> str:
    chosen = config or InstallConfig()
    return json.dumps(
        {"platform": platform.as_dict(), "stack": line_for(chosen).describe(chosen),
         "host_name": {"phones_may_not_reach": host_name[0], "note": host_name[1]},
         "proxy": proxies_for(chosen, os.environ).as_dict(),
         "steps": [step.as_dict() for step in planned]},
        indent=2,
    )


def plan_text(platform: Platform, planned: Sequence[PlannedStep],
              host_name: tuple[bool, str] = (False, ""),
              config: InstallConfig | None = None) -> str:
    chosen = config or InstallConfig()
    lines = [f"Plan for {platform.name or platform.id} ({platform.arch}): "
             f"{line_for(chosen).name} {chosen.version}", line_for(chosen).notice]
    if host_name[1]:
        lines.append(("Warning: " if host_name[0] else "Host name: ") + host_name[1])
    proxies = proxies_for(chosen, os.environ)
    if proxies.any:
        lines.append(f"Proxy: {proxies.words()}")
    lines.append("")
    for step in planned:
        status = word(step.finding.status.value)
        lines.append(f"[{status:>{WIDEST}}] {step.title}: {step.finding.reason}")
        if step.finding.fix and step.finding.status is not Status.OK:
            lines.append(f"            fix: {step.finding.fix}")
        for action in step.actions:
            lines.append(f"            would {describe_action(action)}")
    return "\n".join(lines)


def describe_action(action: dict[str, object]) -> str:
    where = f" in {action['in']}" if "in" in action else ""
    if "run" in action:
        return f"run{where}: {' '.join(str(a) for a in action['run'])}"  # type: ignore[attr-defined]
    if "write" in action:
        return f"write{where}: {action['write']} (mode {action['mode']})"
    if "spawn" in action:
        return f"start: {' '.join(str(a) for a in action['spawn'])}"  # type: ignore[attr-defined]
    if "fetch" in action:
        return f"download: {action['fetch']} -> {action['to']} (checked first)"
    if "pull" in action:
        return f"pull: {action['pull']}"
    if "put" in action:
        return f"change over HTTPS (as {action['as']}): {action['put']} at {action['over']}"
    for method in ("post", "delete"):
        if method in action:
            return (f"ask CHT over HTTPS (as {action['as']}): {method.upper()} "
                    f"{action[method]} at {action['over']}")
    if "backup" in action:
        return f"make a backup of {action['backup']}"
    if "wait" in action:
        return f"wait for {action['wait']}"
    if "tool" in action:
        return f"run CHT's data migration tool: {action['tool']} (on {action['on']})"
    if "copy" in action:
        return f"copy: {action['copy']} -> {action['to']} (the source is only read)"
    return json.dumps(action)


def doctor_report(planned: Sequence[PlannedStep], certificate: dict[str, object] | None,
                  checks: Sequence[Check] = ()) -> dict[str, object]:
    """The install steps' findings, then the Considerations' checks; healthy when nothing
    is broken, needed or blocked (warnings are reported, not failures)."""
    fine = (Status.OK, Status.WARNING)
    healthy = all(s.finding.status in fine for s in planned) and all(
        c.finding.status in fine for c in checks)
    steps = [{"id": s.id, "title": s.title, **s.finding.as_dict()} for s in planned]
    return {"healthy": healthy, "steps": steps, "certificate": certificate,
            "checks": [c.as_dict() for c in checks]}


def doctor_text(report: dict[str, object]) -> str:
    lines = []
    rows = [*report["steps"], *report.get("checks", [])]  # type: ignore[misc]
    for step in rows:
        lines.append(f"[{word(step['status']):>{WIDEST}}] {step['title']}: {step['reason']}")
        if step["fix"] and step["status"] != "ok":
            lines.append(f"            fix: {step['fix']}")
    cert = report["certificate"]
    if isinstance(cert, dict):
        renewal = next((s for s in report["steps"]  # type: ignore[attr-defined]
                        if s["id"] == "tls.renewal"), None)
        lines.append(f"Certificate ({cert['source']}): expires {str(cert['expires'])[:10]}, "
                     f"{cert['days_left']} days left"
                     + (f"; renewal: {renewal['reason']}" if renewal else ""))
    else:
        lines.append("Certificate: none installed yet")
    considerations = report.get("considerations")
    if isinstance(considerations, list) and considerations:
        lines.append("Considerations (CHT's hosting guide), each checked just now:")
        for item in considerations:
            done = "done" if item["status"] == "ok" else "to do"
            lines.append(f"  [{done:>5}] {item['topic']}: {item['text']}")
    lines.append(summary(rows))
    return "\n".join(lines)


class PlainLines:
    """Turns events into short lines for a log-like terminal; progress is throttled."""

    def __init__(self, write: object, step_every: float = 10.0, repair: bool = False,
                 titles: dict[str, str] | None = None, summary: bool = True) -> None:
        self.write = write
        self.summary = summary  # a finished run's outcome (False: the command says its own)
        self.step_every = step_every
        self.repair = repair  # CHT was installed here before: the end speaks of repairs
        self.notes = RepairNotes(titles)
        self._last_percent: dict[str, float] = {}
        self._last_note: dict[str, float] = {}
        self._rate: dict[str, Rate] = {}

    def __call__(self, event: Event) -> None:
        line = self.line(event)
        if line is not None:
            self.write(line)  # type: ignore[operator]

    def line(self, event: Event) -> str | None:
        self.notes(event)
        if isinstance(event, StepStarted):
            return f"[{event.index:2}/{event.total}] {event.title} ..."
        if isinstance(event, Progress):
            if event.total <= 0:
                now = time.monotonic()
                if not event.detail or now - self._last_note.get(event.step_id, -1e9) < 5:
                    return None
                self._last_note[event.step_id] = now
                return f"        {event.detail}"
            rate = self._rate.setdefault(event.step_id, Rate())
            rate.update(event.done)
            percent = 100.0 * event.done / event.total
            last = self._last_percent.get(event.step_id, -100.0)
            if percent - last < self.step_every and not (percent >= 100 > last):
                return None
            self._last_percent[event.step_id] = percent
            pace = rate.summary(event.done, event.total) if percent < 100 else ""
            return f"        {percent:3.0f}%  {event.detail}" + (f", {pace}" if pace else "")
        if isinstance(event, Log):
            return f"        {event.text}"
        if isinstance(event, StepDone):
            verb = "done" if event.applied else ("ok" if event.finding.ok else "accepted")
            return f"        {verb}: {event.finding.reason}"
        if isinstance(event, StepFailed):
            text = f"        FAILED ({event.finding.status.value}): {event.finding.reason}"
            if event.finding.fix:
                text += f"\n        fix: {event.finding.fix}"
            return text
        if isinstance(event, RunFinished):
            if event.stopped:
                before = self.notes.title(event.failed)
                return (f"cht-install stopped, as asked, before \"{before}\": nothing was "
                        "left half-done. Run cht-install again to finish.")
            if not event.ok:
                return f"cht-install stopped at \"{self.notes.title(event.failed)}\"."
            if not self.summary:
                return None
            return "\n".join([self.notes.outcome(event, self.repair),
                              *(f"  {line}" for line in self.notes.lines(event))])
        return None
