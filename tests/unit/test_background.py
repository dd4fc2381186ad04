"""Following a run through its journal: events come back whole; how the last run ended."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from installer.background import Run, follow, last_outcome
from installer.events import (
    Event,
    Log,
    Progress,
    RunFinished,
    StepDone,
    StepStarted,
    event_from_dict,
    event_to_dict,
)
from installer.journal import Journal, RunLock
from installer.paths import Paths
from installer.step import ok


def test_events_survive_the_journal_round_trip() -> None:
    for event in (StepStarted("images.pulled", "CHT images are pulled", 11, 17),
                  Progress("images.pulled", 5, 10, "medic-os: 5 of 10", (("a", 5, 10),)),
                  StepDone("tls.certificate", ok("fine"), applied=True),
                  RunFinished(ok=False, applied=("a", "b"), failed="c", stopped=True)):
        assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


def test_the_journal_hides_secrets_and_keeps_progress_sparse(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path, "r1", lambda text: text.replace("s3cret-pass", "********"))
    for done in range(100):
        journal.record(Progress("images.pulled", done, 100, "pulling with s3cret-pass"))
    journal.record(Progress("images.pulled", 100, 100, "done"))
    text = path.read_text()
    assert "s3cret-pass" not in text
    assert 2 <= text.count('"Progress"') <= 3  # the first, (maybe one more) and the last


def test_a_steps_start_and_end_reach_the_disk_at_once_progress_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    journal = Journal(tmp_path / "journal.jsonl", "r1")
    journal.record(StepStarted("images.pulled", "CHT images are pulled", 11, 17))
    assert len(synced) == 1  # a power cut now: the next run says where this one stopped
    journal.record(Progress("images.pulled", 5, 10, "medic-os: 5 of 10"))
    journal.record(Log("images.pulled", "pulled a layer"))
    assert len(synced) == 1
    journal.record(StepDone("images.pulled", ok("fine"), applied=True))
    journal.record(RunFinished(ok=True))
    assert len(synced) == 3


def test_an_attached_follower_gets_the_whole_run_and_its_outcome(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    other = Journal(paths.journal, "old")
    other.record(RunFinished(ok=True))
    journal = Journal(paths.journal, "r2")
    journal.record(StepStarted("os.supported", "OS", 1, 2))
    journal.record(RunFinished(ok=True, applied=("os.supported",)))
    seen: list[Event] = []
    result = follow(paths, Run("r2", os.getpid()), [seen.append])
    assert result == RunFinished(ok=True, applied=("os.supported",))
    assert [type(e).__name__ for e in seen] == ["StepStarted", "RunFinished"]
    said = str(last_outcome(paths.journal, now=time.time() + 3 * 3600 + 5))
    assert said.startswith("The last run, on ") and "(3 hours ago), found CHT healthy after " \
        "1 change. That was then: the system check on the next screen looks again now." in said


def test_a_run_killed_without_an_outcome_is_told_as_such(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    journal = Journal(paths.journal, "r3")
    journal.record(StepStarted("images.pulled", "CHT images are pulled", 11, 17))
    assert follow(paths, Run("r3", 0), []) is None  # nobody holds the lock: it died
    assert 'ended without finishing during "CHT images are pulled"' in str(
        last_outcome(paths.journal))


def test_the_lock_names_its_holder_to_other_processes(tmp_path: Path) -> None:
    lock = tmp_path / "run/cht-install.lock"
    assert RunLock.holder(lock) is None
    with RunLock(lock, "r4"):
        code = ("from installer.journal import RunLock; from pathlib import Path; "
                f"h = RunLock.holder(Path({str(lock)!r})); print(h.pid, h.run_id)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
    assert out == [str(os.getpid()), "r4"]
    assert RunLock.holder(lock) is None


def test_the_workers_peak_memory_is_its_own_not_the_front_ends_it_was_started_from() -> None:
    """The worker is started by a front end that may hold far more memory: its logged peak
    counts only what it used after starting (getrusage's counts the front end too)."""
    held = bytearray(160 * 1024 * 1024)
    for offset in range(0, len(held), 4096):
        held[offset] = 1  # resident, not just reserved
    child = subprocess.run(
        [sys.executable, "-c", "from installer.worker import peak_mib; print(peak_mib())"],
        capture_output=True, text=True, check=True)
    assert 5 < int(child.stdout) < 100
    del held
