"""The welcome screen is drawn before the engine is imported: the session is made once it
shows, then the words that need it are filled in; a bad answers file ends it in words."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import Static

from installer.answers import overrides_from
from installer.cli import parser
from installer.options import Options
from installer.session import Session
from screens.app import ChtInstallApp
from screens.later import SessionLater
from screens.system_check import SystemCheckScreen
from screens.welcome import WelcomeScreen
from tests.tui.driving import OS_RELEASE, planning_options


def test_importing_the_screens_app_leaves_the_engine_out() -> None:
    code = ("import sys, installer.cli, screens.app; "
            "print(sorted(m for m in sys.modules if m in ('installer.session', "
            "'installer.answers', 'installer.plan', 'installer.host', 'installer.report', "
            "'yaml', 'screens.install')))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).parents[2])
    assert found.stdout.strip() == "[]", found.stdout


def test_the_welcome_fills_in_once_the_session_is_made(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    later = SessionLater(planning_options(tmp_path))
    app = ChtInstallApp(later)
    seen: list[object] = []
    made = threading.Event()  # the session is made only once the first words are read
    make = later._make

    def slow_make() -> None:
        made.wait(30)
        make()

    monkeypatch.setattr(later, "_make", slow_make)

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            welcome = app.screen
            assert isinstance(welcome, WelcomeScreen)
            seen.append(str(welcome.query_one("#intro", Static).render()))
            made.set()
            for _ in range(100):
                await pilot.pause(0.1)
                if welcome.query_one("#end-of-life").display:
                    break
            seen.append(str(welcome.query_one("#intro", Static).render()))
            seen.append(str(welcome.query_one("#end-of-life", Static).render()))
            await pilot.press("enter")
            await pilot.pause()
            seen.append(type(app.screen))

    asyncio.run(drive())
    first, filled, notice, after = seen
    assert "download the CHT images\n" in str(first)  # no names yet
    assert "download the CHT images (" in str(filled)
    assert "3.x" in str(notice)
    assert after is SystemCheckScreen


def test_a_bad_answers_file_ends_the_screens_in_words(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("tls: {mode: sometimes}\n")
    app = ChtInstallApp(SessionLater(Options(root=tmp_path, answers_file=answers,
                                             os_release=OS_RELEASE)))

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                await pilot.pause(0.1)
                if app.return_value is not None:
                    break

    asyncio.run(drive())
    assert app.return_value == 2


def test_the_plain_command_means_the_same_options_as_parsed_ones(tmp_path: Path) -> None:
    """`cht-install` with no options skips the parser: its Options make the same session."""
    parsed = Options(root=tmp_path, overrides=overrides_from(vars(parser().parse_args([]))))
    plain = Options(root=tmp_path)
    assert Session(plain).config == Session(parsed).config
