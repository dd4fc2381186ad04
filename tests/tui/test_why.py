"""Every step and doctor check has its "why this matters", reachable with w."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from installer.answers import from_mapping
from installer.migrate_command import steps as migrate_steps
from installer.plan import build_plan
from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.why import WhyScreen, texts
from tests.tui.driving import drive, planning_session

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
CHECKS = ("tls.expiry", "tls.trusted", "data.location", "data.disk-free", "data.journaled",
          "data.backup", "cht.restart-policy", "alerts.set-up", "cht.version",
          "os.security-updates", "security.disk-encryption", "security.firewall",
          "security.ssh", "care.bounded", "os.proxy")
CHOICES = ("tls.mode",)  # the settings screen's F1


def test_every_step_and_check_has_a_paragraph() -> None:
    config = from_mapping({"hostname": "cht.example.org", "tls": {"mode": "letsencrypt"}})
    current = config.with_changes(cht_version="5.0.2")
    migrating = Session(Options(root=Path("/nowhere"), os_release=OS_RELEASE), current)
    migration = [step.id for step in migrate_steps(migrating, None)]
    ids = list(dict.fromkeys([step.id for step in build_plan(config)]
                             + [step.id for step in build_plan(current)] + migration
                             + list(CHECKS) + list(CHOICES)))
    missing = [i for i in ids if len(texts().get(i, "")) < 80]
    assert missing == []
    assert set(texts()) == set(ids)  # and no text for a step that does not exist


def test_w_on_the_plan_shows_the_highlighted_steps_paragraph(tmp_path: Path) -> None:
    session = planning_session(tmp_path)
    app = ChtInstallApp(session)
    shown: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("plan")
            await pilot.pause(1.0)
            await pilot.press("down", "down", "w")
            await pilot.pause()
            assert isinstance(app.screen, WhyScreen)
            shown.extend(str(w.render()) for w in app.screen.query(Static))
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, WhyScreen)

    asyncio.run(drive())
    text = " ".join(shown)
    assert "Package manager is ready" in text and "interrupted" in text


def test_f1_on_settings_says_what_each_certificate_means_for_phones(tmp_path: Path) -> None:
    shown: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        await pilot.press("f1")  # on the host name: no paragraph of its own, and F1 says so
        await pilot.pause()
        assert not isinstance(app.screen, WhyScreen)
        shown.append(str(app._notifications and list(app._notifications)[-1].message))
        app.screen.query_one("#tls-mode").focus()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, WhyScreen)
        shown.append(str(app.screen.query_one(Static).render()))
        await pilot.press("escape")
        await pilot.pause()
        app.screen.query_one("#more").collapsed = False  # type: ignore[attr-defined]
        await pilot.pause()
        app.screen.query_one("#data").focus()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, WhyScreen)
        shown.append(str(app.screen.query_one(Static).render()))

    drive(planning_session(tmp_path), steps)
    assert shown[0].startswith("F1 explains the certificate choice")
    assert "installed by hand" in shown[1] and "Let's Encrypt is free" in shown[1]
    assert shown[2] != shown[1] and "installed by hand" not in shown[2]


def test_w_on_the_progress_screen_reaches_every_steps_paragraph(tmp_path: Path) -> None:
    from installer.events import RunFinished, StepFailed, StepStarted
    from installer.step import broken

    session = planning_session(tmp_path)
    steps = [(step.id, step.title) for step in build_plan(session.config)]
    failed_id, failed_title = steps[3]

    def failing(sinks: Any, cancelled: Any) -> RunFinished:
        result = RunFinished(ok=False, failed=failed_id)
        for event in (StepStarted(failed_id, failed_title, 4, len(steps)),
                      StepFailed(failed_id, broken("it broke")), result):
            for sink in sinks:
                sink(event)
        return result

    shown: list[str] = []

    def text(app: ChtInstallApp) -> str:
        return str(app.screen.query_one("#why-text", Static).render())

    async def steps_(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("install")
        await pilot.pause(0.5)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WhyScreen)
        shown.append(text(app))
        await pilot.press("down")
        await pilot.pause()
        shown.append(text(app))
        await pilot.press("up", "up")
        await pilot.pause()
        shown.append(text(app))

    drive(session, steps_, start=failing)
    assert failed_title in shown[0] and "(step 4 of" in shown[0]
    assert steps[4][1] in shown[1] and texts()[steps[4][0]][:40] in shown[1]
    assert steps[2][1] in shown[2] and texts()[steps[2][0]][:40] in shown[2]
