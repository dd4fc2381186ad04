"""Snapshots of every screen at 80x24, from fixed inputs so that they are repeatable.

The machine is a fresh Debian 12 described by a real os-release file, its hardware fixed
facts, and the install screen is fed the events a real run sends.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from installer.answers import InstallConfig
from installer.events import (
    Emit,
    Log,
    Progress,
    RunFinished,
    StepDone,
    StepProbed,
    StepStarted,
)
from installer.lines.cht3.files import render_env
from installer.lines.table import line_for
from installer.plan import build_plan
from installer.session import Options, Session
from installer.step import ok
from installer.steps.hardware import GB, GIB, DiskFacts, HardwareFacts, assess
from screens.app import ChtInstallApp

CHT3_FLOORS = line_for(InstallConfig()).floors(InstallConfig())  # the default line's floors

ROOT = Path("/tmp/cht-install-snapshot")
OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
SIZE = (80, 24)
SMALL = (60, 20)  # the smallest terminal the README promises
FACTS = HardwareFacts(
    memory=int(3.8 * GIB), cpus=2, root=True, arch="x86_64",
    disks=(DiskFacts("Docker and CHT data", "/var/lib/docker", 52 * GB, 40 * GIB, True),),
)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.delenv("SUDO_USER", raising=False)
    shutil.rmtree(ROOT, ignore_errors=True)
    made = Session(Options(root=ROOT, os_release=OS_RELEASE,
                           overrides={"hostname": "cht.example.org"}))
    made.hardware = lambda: assess(FACTS, CHT3_FLOORS)  # type: ignore[method-assign]
    yield made
    shutil.rmtree(ROOT, ignore_errors=True)


def replay(session: Session) -> Any:
    """Stands in for session.run: the events of a run that installed everything."""

    def start(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished:
        steps = build_plan(session.config)
        applied = []
        for index, step in enumerate(steps, start=1):
            events: list[Any] = [StepStarted(step.id, step.title, index, len(steps))]
            done = ok(f"{step.title.lower()}: checked")
            if index > 2:
                applied.append(step.id)
                events += [StepProbed(step.id, done), Log(step.id, f"applying {step.id}"),
                           Progress(step.id, 50, 100, f"{step.id}: half way"),
                           Progress(step.id, 100, 100, f"{step.id}: finished")]
            events.append(StepDone(step.id, done, applied=index > 2))
            for event in events:
                for sink in sinks:
                    sink(event)
        ROOT.joinpath("opt/cht").mkdir(parents=True, exist_ok=True)
        ROOT.joinpath("opt/cht/.env").write_text(render_env("Example-Passw0rd-Shown-Once"))
        session.password_created = True
        finished = RunFinished(ok=True, applied=tuple(applied))
        for sink in sinks:
            sink(finished)
        return finished

    return start


async def settle(pilot: Pilot[Any]) -> None:
    """Workers done, their last messages handled, and the scrolling they caused finished
    (a log that scrolls to its end after the last line is drawn, else a race)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    # Until the screen stops changing: a log that follows its end is written and scrolled
    # by Textual after a refresh, which can come after the workers are done.
    # Unchanged for longer than a screen's own timers take (the page keys are offered once
    # the layout settles, 0.2 s): a loaded machine must not catch it half-way.
    last, same = "", 0
    for _ in range(100):
        now = pilot.app.export_screenshot()
        same = same + 1 if now == last else 0
        if same >= 4:
            break
        last = now
        await pilot.pause(0.1)


def snapshot(snap_compare: Any, session: Session, keys: Sequence[str],
             size: tuple[int, int] = SIZE) -> bool:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    app = ChtInstallApp(session, start=replay(session))
    return bool(snap_compare(app, terminal_size=size, run_before=run_before))


def test_welcome(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, [])


def test_system_check_with_a_warning(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, ["enter"])


def test_settings(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, ["enter", "a", "enter"])


def test_plan_review(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, ["enter", "a", "enter", "ctrl+n"])


def test_install_finished(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, ["enter", "a", "enter", "ctrl+n", "i"])


def test_done_shows_the_password_once(snap_compare: Any, session: Session) -> None:
    assert snapshot(snap_compare, session, ["enter", "a", "enter", "ctrl+n", "i", "n"])


def test_settings_rejects_a_bad_host_name(snap_compare: Any, session: Session) -> None:
    keys = ["enter", "a", "enter", *["backspace"] * 20, "-", "b", "a", "d", "ctrl+n"]
    assert snapshot(snap_compare, session, keys)


# At 60x20 (ASCII terminals are checked for real over SSH in tests/e2e/test_ssh.py).
@pytest.mark.parametrize(("name", "keys"), [
    ("settings", ["enter", "a", "enter"]),
    ("plan", ["enter", "a", "enter", "ctrl+n"]),
    ("install-finished", ["enter", "a", "enter", "ctrl+n", "i"]),
    ("done", ["enter", "a", "enter", "ctrl+n", "i", "enter"]),
])
def test_at_60x20(snap_compare: Any, session: Session, name: str, keys: list[str]) -> None:
    assert snapshot(snap_compare, session, keys, SMALL)
