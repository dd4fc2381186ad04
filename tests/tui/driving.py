"""Driving the TUI in tests: a planning session for a fresh Debian 12, and the app run
with Pilot at a terminal size, steps given as a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.plan_review import PlanReviewScreen

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
Steps = Callable[[ChtInstallApp, Pilot[int]], Coroutine[Any, Any, None]]


def planning_options(root: Path, **options: Any) -> Options:
    """A fresh Debian 12 (a real os-release file) planned under ``root``."""
    return Options(root=root, os_release=OS_RELEASE,
                   overrides={"hostname": "cht.example.org"}, **options)


def planning_session(root: Path, **options: Any) -> Session:
    return Session(planning_options(root, **options))


def drive(session: Session, steps: Steps, start: Any = None,
          size: tuple[int, int] = (80, 24)) -> ChtInstallApp:
    app = ChtInstallApp(session, start=start)

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await steps(app, pilot)

    asyncio.run(run())
    return app


async def plan_loaded(app: ChtInstallApp, pilot: Pilot[int]) -> PlanReviewScreen:
    """Open the plan and wait until its probes are done."""
    app.go("plan")
    for _ in range(100):
        await pilot.pause(0.1)
        screen = app.screen
        if isinstance(screen, PlanReviewScreen) and screen.planned is not None:
            return screen
    raise AssertionError("the plan did not load")
