"""The whole TUI flow, driven by Textual's Pilot at 80x24, repairing a real install."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.done import DoneScreen
from screens.install import InstallScreen
from screens.plan_review import PlanReviewScreen
from screens.settings import SettingsScreen
from screens.system_check import SystemCheckScreen
from tests.e2e.conftest import Installed
from tests.e2e.test_headless_install import der_of, read_in_container, served_certificate

CERT_IN_CONTAINER = "/srv/settings/medic-core/nginx/private/default.crt"


async def until(pilot: Pilot[Any], condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.2)


async def drive(app: ChtInstallApp, said: list[str] | None = None) -> list[str]:
    """Walk every screen to the done screen; the plan's, the run's and the done screen's
    words go into ``said``."""
    seen: list[str] = []
    words = said if said is not None else []
    async with app.run_test(size=(80, 24)) as pilot:
        seen.append(type(app.screen).__name__)
        last_run = app.screen.query("#last-run")
        words.append(str(last_run.first(Static).render()) if last_run else "")
        await pilot.press("enter")
        assert isinstance(app.screen, SystemCheckScreen)
        check = app.screen
        await until(pilot, lambda: check.loaded, 30, "the system check")
        seen.append(type(app.screen).__name__)
        await pilot.press("a", "enter")
        assert isinstance(app.screen, SettingsScreen)
        seen.append(type(app.screen).__name__)
        await pilot.press("x", "z")  # stray keys: no field is being typed in
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, PlanReviewScreen)
        plan = app.screen
        await until(pilot, lambda: plan.planned is not None, 60, "the plan")
        seen.append(type(app.screen).__name__)
        assert plan.planned is not None
        words.append(str(plan.query_one("#summary", Static).render()))
        todo = {s.id for s in plan.planned if s.finding.status.value in ("needed", "broken")}
        assert {"cht.running", "tls.certificate", "tls.installed"} <= todo
        await pilot.press("i")
        assert isinstance(app.screen, InstallScreen)
        install = app.screen
        await until(pilot, lambda: install.result is not None, 600, "the install")
        seen.append(type(app.screen).__name__)
        assert install.result is not None and install.result.ok, install.result
        assert "cht.running" in install.result.applied
        words.append(str(install.query_one("#current", Static).render()))
        await pilot.press("n")
        assert isinstance(app.screen, DoneScreen)
        seen.append(type(app.screen).__name__)
        words.append(str(app.screen.query_one("#done", Static).render()))
        await pilot.press("q")
    return seen


def test_tui_walks_every_screen_and_repairs_a_broken_install(
    fresh_install: Installed, healthy: Path, docker_client: Any
) -> None:
    # Break it: the containers are gone and the certificate is lost.
    for name in ("medic-os", "haproxy"):
        docker_client.containers.get(name).remove(force=True)
    old = (fresh_install.root / "etc/cht-install/tls/cht.crt").read_text()
    shutil.rmtree(fresh_install.root / "etc/cht-install/tls")

    session = Session(Options(root=fresh_install.root))
    app = ChtInstallApp(session)
    said: list[str] = []
    seen = asyncio.run(drive(app, said))

    assert seen == ["WelcomeScreen", "SystemCheckScreen", "SettingsScreen",
                    "PlanReviewScreen", "InstallScreen", "DoneScreen"]
    assert app.return_value == 0
    # A server that had CHT: the screens speak of repairing, and say what was wrong.
    welcome, plan, run, done = said
    # However the last run ended, the welcome does not call the server healthy now.
    assert welcome.startswith("The last run, on "), welcome
    assert "healthy" not in welcome or "That was then: the system check on the next " \
        "screen looks again now." in welcome, welcome
    assert "You changed" not in plan, plan  # the stray keys changed no answer
    assert "to repair;" in plan and "Press i to repair." in plan, plan
    assert run.startswith("CHT is repaired: "), run
    # The counts agree, or the words say why they differ.
    promised = int(re.search(r"(\d+) steps? to repair", plan).group(1))  # type: ignore[union-attr]
    done_count = int(re.search(r"(\d+) steps? put right", run).group(1))  # type: ignore[union-attr]
    assert done_count == promised or (
        done_count < promised and "found fine when their turn came are not counted" in run), (
        plan, run)
    assert done.startswith("CHT is repaired and answers over HTTPS again. What was wrong, "
                           "and what was done:\n"), done
    assert "Now: CHT containers are running and set up." in done, done
    assert "cht.running" not in done and "CHT is installed" not in done, done
    new = (fresh_install.root / "etc/cht-install/tls/cht.crt").read_text()
    assert der_of(new) != der_of(old)
    assert der_of(read_in_container(docker_client, "medic-os", CERT_IN_CONTAINER)) == der_of(new)
    assert served_certificate() == der_of(new)
    for name in ("medic-os", "haproxy"):
        assert docker_client.containers.get(name).status == "running"
