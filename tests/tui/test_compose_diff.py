"""A hand-edited compose file: the TUI shows the difference and asks before replacing it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from textual.widgets import Static

from installer.events import Emit, RunFinished
from installer.lines.cht3.files import render_compose
from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.compose_diff import ComposeDiffScreen
from screens.install import InstallScreen

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


def never_runs(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished:
    return RunFinished(ok=True)


def review(tmp_path: Path, key: str | None) -> tuple[Session, list[str], type]:
    """Edit the compose file by hand, press i on the plan, then ``key``: the session, the
    diff shown, and the screen it ends on."""
    session = Session(Options(root=tmp_path, os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org"}))
    compose = session.paths.compose_file
    compose.parent.mkdir(parents=True)
    compose.write_text(render_compose(session.config).replace("restart: always",
                                                              "restart: unless-stopped"))
    app = ChtInstallApp(session, start=never_runs)
    shown: list[str] = []
    ended: list[type] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("plan")
            await pilot.pause(1.0)
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, ComposeDiffScreen)
            shown.extend(str(w.render()) for w in app.screen.query(Static))
            if key:
                await pilot.press(key)
                await pilot.pause()
            ended.append(type(app.screen))

    asyncio.run(drive())
    return session, shown, ended[0]


def test_the_difference_is_shown_before_anything_is_replaced(tmp_path: Path) -> None:
    session, shown, screen = review(tmp_path, None)
    text = "\n".join(shown)
    assert "-    restart: unless-stopped" in text and "+    restart: always" in text
    assert "was edited by hand" in text
    assert screen is ComposeDiffScreen


@pytest.mark.parametrize(("key", "keeps"), [("k", True), ("r", False)])
def test_the_operator_chooses_to_keep_or_replace(tmp_path: Path, key: str, keeps: bool) -> None:
    session, _, screen = review(tmp_path, key)
    assert screen is InstallScreen
    assert session.keep_compose_edits is keeps
    assert "unless-stopped" in session.paths.compose_file.read_text()  # nothing written yet
