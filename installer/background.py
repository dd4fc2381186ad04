"""Runs an install detached from the terminal and follows it through the journal.

The work happens in a worker process in its own session (``installer.worker``): an SSH
disconnect or a closed terminal ends only the front end, never the install. A front end
follows the run by reading its journal lines; another ``cht-install`` started meanwhile
attaches to the same run the same way.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from installer import words
from installer.events import Emit, RunFinished, event_from_dict
from installer.journal import Holder, RunLock, entries, runs
from installer.paths import Paths

POLL = 0.2  # seconds between looks at the journal


@dataclass
class Run:
    """A detached run being followed: its id, and its worker process when we started it."""

    run_id: str
    pid: int
    process: subprocess.Popen[bytes] | None = None
    offset: int = 0

    def alive(self, paths: Paths) -> bool:
        if self.process is not None and self.process.poll() is None:
            return True
        holder = RunLock.holder(paths.lock)
        return holder is not None and holder.run_id == self.run_id


def running(paths: Paths) -> Holder | None:
    """The run in progress on this server, if any."""
    return RunLock.holder(paths.lock)


def start(paths: Paths, payload: dict[str, object]) -> Run:
    """Start a worker in a new session; the payload (with secrets) goes through a pipe,
    never the command line. Its events come back through another pipe as well as the
    journal, so a full disk cannot silence it."""
    run_id = uuid.uuid4().hex[:12]
    offset = paths.journal.stat().st_size if paths.journal.exists() else 0
    process = subprocess.Popen(
        [sys.executable, "-m", "installer.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps({**payload, "run_id": run_id}).encode())
    process.stdin.close()
    return Run(run_id, process.pid, process, offset)


def attach(holder: Holder) -> Run:
    """Follow a run started by another cht-install, from its first journal line."""
    return Run(holder.run_id, holder.pid)


def follow(paths: Paths, run: Run, sinks: Sequence[Emit],
           cancelled: Callable[[], bool] = lambda: False) -> RunFinished | None:
    """Deliver the run's events as they happen; its outcome, or None when the worker died
    without one (killed) or the follower was cancelled."""
    lines = _from_pipe(run, cancelled) if run.process is not None else _from_journal(
        paths, run, cancelled)
    for entry in lines:
        if entry.get("run") != run.run_id:
            continue
        event = event_from_dict(entry)
        if event is None:
            continue
        for sink in sinks:
            sink(event)
        if isinstance(event, RunFinished):
            return event
    return None


def _from_pipe(run: Run, cancelled: Callable[[], bool]) -> Iterator[dict[str, object]]:
    process = run.process
    assert process is not None and process.stdout is not None
    stream = process.stdout
    buffered = b""
    while not cancelled():
        ready, _, _ = select.select([stream], [], [], POLL)
        if not ready:
            continue
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            process.wait()
            return
        buffered += chunk
        *complete, buffered = buffered.split(b"\n")
        for raw in complete:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


def _from_journal(paths: Paths, run: Run,
                  cancelled: Callable[[], bool]) -> Iterator[dict[str, object]]:
    while not cancelled():
        alive = run.alive(paths)
        found, run.offset = entries(paths.journal, run.offset)
        yield from found
        if not alive and not found:
            return
        time.sleep(POLL)


def request_stop(run: Run) -> None:
    """Ask the worker to stop at the next safe point (between steps)."""
    try:
        os.kill(run.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def ago(seconds: float) -> str:
    """How long ago, in the largest whole unit ("3 hours ago")."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return f"{words.count(int(seconds // size), unit)} ago"
    return "just now"


SCREENS_LOOK = "the system check on the next screen looks again now"


def last_outcome(path: Path, now: float | None = None, looking: str = SCREENS_LOOK,
                 titles: dict[str, str] | None = None) -> str | None:
    """How the last run recorded in the journal ended, in a sentence that says when it was
    and that it speaks of then (``looking``: what looks now); None when none ran."""
    last = None
    for _, run_entries in runs(path):
        last = run_entries
    if not last:
        return None
    started = float(str(last[0].get("time", 0)))
    when = (time.strftime("%Y-%m-%d at %H:%M", time.localtime(started))
            + f" ({ago(max(0.0, (time.time() if now is None else now) - started))})")
    titles = {**(titles or {}), **{str(e.get("step_id")): str(e.get("title"))
                                   for e in last if e.get("event") == "StepStarted"}}
    finished = [e for e in last if e.get("event") == "RunFinished"]
    if not finished:
        reached = [e for e in last if e.get("event") == "StepStarted"]
        where = f" during \"{reached[-1].get('title')}\"" if reached else ""
        return (f"The last run, on {when}, ended without finishing{where} (stopped, or the "
                "machine restarted). Running cht-install again completes it.")
    end = finished[-1]
    failed = titles.get(str(end.get("failed"))) or end.get("failed")
    if end.get("ok"):
        changed = end.get("applied")
        count = len(changed) if isinstance(changed, list) else 0
        return (f"The last run, on {when}, found CHT healthy"
                + (f" after {words.count(count, 'change')}" if count else "")
                + f". That was then: {looking}.")
    if end.get("stopped"):
        return f"The last run, on {when}, was stopped, as asked, before \"{failed}\"."
    return (f"The last run, on {when}, stopped at \"{failed}\" (the log says why); "
            f"{looking}.")
