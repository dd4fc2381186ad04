"""The journal of runs (JSON lines, also how a front end follows a detached run) and the
single-run lock."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from installer.events import (
    Event,
    Progress,
    RunFinished,
    StepDone,
    StepFailed,
    StepStarted,
    event_to_dict,
)

MILESTONES = (StepStarted, StepDone, StepFailed, RunFinished)
PROGRESS_EVERY = 0.5  # seconds between progress lines of one step: enough to follow a pull


class Journal:
    def __init__(self, path: Path, run_id: str,
                 redact: Callable[[str], str] = lambda text: text) -> None:
        self.path = path
        self.run_id = run_id
        self.redact = redact
        self._last_progress: dict[str, float] = {}

    def record(self, event: Event) -> None:
        if isinstance(event, Progress) and not (event.total and event.done >= event.total):
            now = time.monotonic()
            if now - self._last_progress.get(event.step_id, -1e9) < PROGRESS_EVERY:
                return
            self._last_progress[event.step_id] = now
        entry = {"time": time.time(), "run": self.run_id, **event_to_dict(event)}
        # A step's start and end are on the disk at once, so that after a power cut the
        # next run can say where this one stopped; progress and log lines are not worth
        # a sync each.
        self.write(entry, durable=isinstance(event, MILESTONES))

    def write(self, entry: dict[str, object], durable: bool = False) -> None:
        from installer.host import append_private  # not needed to read the journal

        append_private(self.path, self.redact(json.dumps(entry, default=str)) + "\n",
                       durable)


def entries(path: Path, offset: int = 0) -> tuple[list[dict[str, object]], int]:
    """Complete journal lines from ``offset`` on, and the offset after the last one."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    complete = data[: data.rfind(b"\n") + 1]
    found = []
    for raw in complete.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(entry, dict):
            found.append(entry)
    return found, offset + len(complete)


def runs(path: Path) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """Each run's entries, oldest run first."""
    order: dict[str, list[dict[str, object]]] = {}
    for entry in entries(path)[0]:
        order.setdefault(str(entry.get("run")), []).append(entry)
    yield from order.items()


class AlreadyRunning(RuntimeError):
    pass


@dataclass(frozen=True)
class Holder:
    """The run holding the lock: its worker's pid and the run's id."""

    pid: int
    run_id: str


class RunLock:
    """An flock on the lock file, held for the whole run; the file names the holder."""

    def __init__(self, path: Path, run_id: str = "") -> None:
        self.path = path
        self.run_id = run_id
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").split()
            os.close(fd)
            raise AlreadyRunning(
                f"another cht-install is running (pid {holder[0] if holder else 'unknown'}); "
                "run cht-install again to follow it, or wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.run_id}".strip().encode())
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def holder(path: Path) -> Holder | None:
        """Who holds the lock now; None when nobody does."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                words = os.read(fd, 128).decode(errors="replace").split()
                pid = int(words[0]) if words and words[0].isdigit() else 0
                return Holder(pid, words[1] if len(words) > 1 else "")
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def ever_finished(journal: Path) -> bool:
    """Whether a run on this server ever ended with CHT healthy: then a run is a repair."""
    return any(entry.get("event") == "RunFinished" and entry.get("ok")
               for _, entries in runs(journal) for entry in entries)
