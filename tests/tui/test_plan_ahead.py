"""The plan made while the settings show: on the plan screen at once for the same answers,
made again for changed ones, and checked again behind the screen once it is not fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from installer.answers import InstallConfig
from installer.plan_ahead import Preview
from installer.session import Session
from screens import plan_review
from screens.app import ChtInstallApp
from screens.plan_review import PlanReviewScreen
from screens.settings import SettingsScreen
from tests.tui.driving import drive, planning_session


def counted(session: Session, monkeypatch: pytest.MonkeyPatch) -> list[InstallConfig]:
    """The answers each preview was made for, in order."""
    made: list[InstallConfig] = []
    real = session.preview

    def preview(config: InstallConfig | None = None) -> Preview:
        made.append(config or session.config)
        return real(config)

    monkeypatch.setattr(session, "preview", preview)
    return made


async def ahead_ready(app: ChtInstallApp, pilot: Pilot[int], session: Session) -> None:
    app.go("settings")
    for _ in range(100):
        await pilot.pause(0.05)
        if session.ahead is not None and session.ahead.ready() is not None:
            return
    raise AssertionError("the plan was not made while the settings showed")


def test_the_plan_made_while_the_settings_show_is_on_the_plan_screen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = planning_session(tmp_path)
    made = counted(session, monkeypatch)
    shown: list[str] = []
    loads: list[bool] = []  # the plan screen's own loading, each time it had to
    load = PlanReviewScreen.load

    def counted_load(screen: PlanReviewScreen, ahead: bool) -> object:
        loads.append(ahead)
        return load(screen, ahead)

    monkeypatch.setattr(PlanReviewScreen, "load", counted_load)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await ahead_ready(app, pilot, session)
        await pilot.press("ctrl+n")
        screen = app.screen
        assert isinstance(screen, PlanReviewScreen)
        assert screen.planned is not None and loads == []  # in its first frame
        shown.append(str(screen.query_one("#summary", Static).render()))
        await pilot.press("escape")
        settings = app.screen
        assert isinstance(settings, SettingsScreen)
        settings.query_one("#hostname", Input).value = "other.example.org"
        await pilot.press("ctrl+n")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, PlanReviewScreen) and app.screen.planned is not None:
                break

    drive(session, steps)
    assert "to install" in shown[0] and "Checking" not in shown[0]
    assert [config.hostname for config in made] == ["cht.example.org", "other.example.org"]
    assert loads == [True]  # the changed answers: made by the plan screen


def test_a_plan_made_a_while_ago_is_shown_then_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = planning_session(tmp_path)
    made = counted(session, monkeypatch)
    monkeypatch.setattr(plan_review, "FRESH", 0.0)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await ahead_ready(app, pilot, session)
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, PlanReviewScreen) and app.screen.planned is not None
        for _ in range(100):
            await pilot.pause(0.05)
            if len(made) == 2:
                break

    drive(session, steps)
    assert [config.hostname for config in made] == ["cht.example.org"] * 2
