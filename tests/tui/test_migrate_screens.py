"""`cht-install migrate` on a terminal: the plan first (nothing changes until m and a yes),
the run followed live, and its end in the command's own words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from installer import migrate_command as command
from installer.events import Emit, RunFinished, StepDone, StepStarted
from installer.migration import note
from installer.session import Session
from installer.step import ok
from screens.confirm import ConfirmScreen
from screens.migrate import MigrateApp, MigratedScreen, MigratePlanScreen, MigrationRunScreen
from screens.why import WhyScreen
from tests.tui.driving import planning_session

MIGRATION = note.Migration(old="3.9.0", new="5.0.2")


def migrating(root: Path) -> Session:
    return command.for_release(planning_session(root), MIGRATION.new)


def followed_by(monkeypatch: pytest.MonkeyPatch,
                run: Callable[[Sequence[Emit], Callable[[], bool]], RunFinished]) -> None:
    """The run screen follows ``run`` instead of a worker."""
    monkeypatch.setattr(MigrationRunScreen, "follow", lambda self, sinks, cancelled:
                        run(sinks, cancelled))


async def run_screen(app: MigrateApp, pilot: Pilot[int],
                     ready: Callable[[MigrationRunScreen], object]) -> MigrationRunScreen:
    """The run screen, opened and waited for until ``ready`` (5 s at most)."""
    app.switch_screen(MigrationRunScreen(app.session, MIGRATION))
    for _ in range(50):
        await pilot.pause(0.1)
        screen = app.screen
        if isinstance(screen, MigrationRunScreen) and ready(screen):
            break
    running = app.screen
    assert isinstance(running, MigrationRunScreen)
    return running


def test_the_plan_comes_first_and_q_changes_nothing(tmp_path: Path) -> None:
    session = migrating(tmp_path)
    app = MigrateApp(session, MIGRATION)
    seen: dict[str, object] = {}

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                await pilot.pause(0.1)
                screen = app.screen
                if isinstance(screen, MigratePlanScreen) and screen.planned is not None:
                    break
            plan = app.screen
            assert isinstance(plan, MigratePlanScreen) and plan.planned is not None
            seen["rows"] = plan.query_one(DataTable).row_count
            seen["summary"] = str(plan.query_one("#summary", Static).render())
            seen["can_migrate"] = plan.check_action("migrate", ())
            seen["blocked"] = any(s.finding.status.value == "blocked" for s in plan.planned)
            await pilot.press("w")
            await pilot.pause()
            seen["why"] = type(app.screen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("q")
            await pilot.pause()

    asyncio.run(drive())
    assert seen["rows"] == len(command.steps(session, None))
    assert seen["can_migrate"] is (not seen["blocked"])
    assert ("Blocked:" if seen["blocked"] else "Press m to migrate") in str(seen["summary"])
    assert seen["why"] is WhyScreen
    assert app.return_value == 0
    assert not session.paths.migration_note.exists()


def test_m_asks_once_more_and_no_keeps_the_plan(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    session = migrating(tmp_path)
    started: list[object] = []
    monkeypatch.setattr(command, "start_detached", lambda *args: started.append(args))
    app = MigrateApp(session, MIGRATION)
    seen: list[object] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            plan = app.screen
            assert isinstance(plan, MigratePlanScreen)
            plan.show([])  # nothing blocked: m is offered
            await pilot.press("m")
            await pilot.pause()
            seen.append(type(app.screen))
            await pilot.press("n")
            await pilot.pause()
            seen.append(type(app.screen))

    asyncio.run(drive())
    assert seen == [ConfirmScreen, MigratePlanScreen]
    assert started == []


def test_the_run_is_followed_and_its_end_says_what_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = migrating(tmp_path)
    steps = command.steps(session, None)

    def run(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished:
        for number, step in enumerate(steps, 1):
            for sink in sinks:
                sink(StepStarted(step.id, step.title, number, len(steps)))
                sink(StepDone(step.id, ok("fine"), applied=False))
        session.real.write_file(session.paths.migration_note, note.text(
            note.Migration(old="3.9.0", new="5.0.2", phase=note.MIGRATED)), 0o600)
        result = RunFinished(ok=True, applied=(steps[0].id,))
        for sink in sinks:
            sink(result)
        return result

    followed_by(monkeypatch, run)
    app = MigrateApp(session, MIGRATION)
    seen: list[object] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            running = await run_screen(app, pilot, lambda screen: screen.result is not None)
            seen.append(str(running.query_one("#current", Static).render()))
            await pilot.press("enter")
            await pilot.pause()
            seen.append(type(app.screen))
            seen.append(str(app.screen.query_one("#done", Static).render()))
            await pilot.press("q")
            await pilot.pause()

    asyncio.run(drive())
    assert "CHT 5.0.2 serves the 3.x site, proven." in str(seen[0])
    assert seen[1] is MigratedScreen
    assert "sudo cht-install migrate --finish" in str(seen[2])
    assert "--back" in str(seen[2])
    assert app.return_value == 0


def test_a_stop_says_what_serves_and_the_ways_on_or_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = migrating(tmp_path)
    monkeypatch.setattr(command, "running_version", lambda ctx: None)  # 3.x stopped

    def run(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished:
        result = RunFinished(ok=False, failed="cht.running", stopped=True)
        for sink in sinks:
            sink(result)
        return result

    followed_by(monkeypatch, run)
    app = MigrateApp(session, MIGRATION)
    seen: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            running = await run_screen(app, pilot, lambda screen: screen.where)
            seen.append(running.where)
            await pilot.press("q")
            await pilot.pause()

    asyncio.run(drive())
    assert seen[0].startswith("Stopped, as asked; nothing answers over HTTPS now.")
    assert "sudo cht-install migrate --back" in seen[0]
    assert app.return_value == 1
