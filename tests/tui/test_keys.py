"""Keys that do what they say: each screen's keys, driven with Pilot at 80x24."""

from __future__ import annotations

import asyncio
import html
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from installer.answers import InstallConfig
from installer.events import Emit, RunFinished, StepDone, StepStarted
from installer.lines.table import line_for
from installer.session import Session
from installer.step import ok
from installer.steps.hardware import GB, GIB, DiskFacts, HardwareFacts, assess
from screens.app import ChtInstallApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.footer import Footer
from screens.install import InstallScreen
from screens.settings import SettingsScreen
from tests.tui.driving import drive, plan_loaded, planning_session

CHT3_FLOORS = line_for(InstallConfig()).floors(InstallConfig())  # the default line's floors

SPINNING = HardwareFacts(
    memory=8 * GIB, cpus=4, root=True, arch="x86_64",
    disks=(DiskFacts("Docker and CHT data", "/var/lib/docker", 200 * GB, 150 * GIB, True),),
)


def shown_keys(app: ChtInstallApp) -> dict[str, str]:
    """The footer's keys and their labels, as the operator sees them."""
    return {key: active.binding.description for key, active in app.screen.active_bindings.items()
            if active.binding.show and active.enabled}


@pytest.fixture
def session(tmp_path: Path) -> Session:
    made = planning_session(tmp_path)
    made.hardware = lambda: assess(SPINNING, CHT3_FLOORS)  # type: ignore[method-assign]
    return made


def test_system_check_enter_goes_on_after_tab_and_accept_is_offered_once(
        session: Session) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("system")
        await pilot.pause(0.3)
        assert "a" in shown_keys(app)
        await pilot.press("down")  # the arrows move in the table at once
        await pilot.pause()
        assert app.screen.query_one("DataTable").cursor_row == 1  # type: ignore[attr-defined]
        await pilot.press("a")
        await pilot.pause()
        assert "a" not in shown_keys(app)  # "Warnings accepted": no longer offered
        await pilot.press("tab", "shift+tab", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)

    drive(session, steps)


def test_settings_shows_ctrl_q_to_quit(session: Session) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        assert shown_keys(app).get("ctrl+q") == "Quit"

    drive(session, steps)


def test_the_plan_offers_install_only_when_nothing_is_blocked(tmp_path: Path) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await plan_loaded(app, pilot)
        assert "i" not in shown_keys(app)

    drive(planning_session(tmp_path, arch="armv7l"), steps)


def quick_run(session: Session) -> Any:
    def start(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished:
        result = RunFinished(ok=True, applied=("cht.running",))
        for sink in sinks:
            sink(StepStarted("cht.running", "CHT containers are running and set up", 12, 20))
            sink(StepDone("cht.running", ok("medic-os and haproxy are running"), applied=True))
            sink(result)
        return result

    return start


def test_install_q_says_it_leaves_the_run_going_and_enter_goes_on_when_done(
        session: Session) -> None:
    release = threading.Event()

    def held_run(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished | None:
        for sink in sinks:
            sink(StepStarted("cht.running", "CHT containers are running and set up", 12, 20))
        release.wait(10)
        return quick_run(session)(sinks, cancelled)

    seen: dict[str, Any] = {}

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("install")
        await pilot.pause(0.3)
        seen["running"] = shown_keys(app)
        release.set()
        await pilot.pause(0.5)
        seen["finished"] = shown_keys(app)
        seen["log"] = "\n".join(str(line.text) for line in app.screen.query_one("RichLog").lines)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        seen["after enter"] = type(app.screen)

    drive(session, steps, start=held_run)
    assert seen["running"].get("q") == "Leave (install goes on)"
    assert seen["finished"].get("q") == "Quit" and "enter" in seen["finished"]
    assert "cht.running" not in seen["log"]  # the step's title, not its id
    assert "CHT containers are running and set up: medic-os" in seen["log"]
    assert seen["after enter"] is DoneScreen


def test_a_stop_answered_after_the_run_ended_leaves_the_outcome_alone(session: Session) -> None:
    release = threading.Event()
    asked: list[bool] = []
    session.request_stop = lambda: asked.append(True)  # type: ignore[method-assign]

    def held_run(sinks: Sequence[Emit], cancelled: Callable[[], bool]) -> RunFinished | None:
        release.wait(10)
        return quick_run(session)(sinks, cancelled)

    seen: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("install")
        await pilot.pause(0.3)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        release.set()
        await pilot.pause(0.5)
        await pilot.press("y")
        await pilot.pause()
        install = app.screen
        assert isinstance(install, InstallScreen)
        seen.append(str(install.query_one("#current", Static).render()))

    drive(session, steps, start=held_run)
    assert "CHT is installed" in seen[0] and "Stopping" not in seen[0]
    assert asked == []


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
def test_leaving_before_the_install_exits_0_and_says_nothing_changed(
        session: Session, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await pilot.press(key)
        await pilot.pause()

    app = drive(session, steps)
    assert app.return_code == 0
    assert "cht-install: nothing was changed" in capsys.readouterr().err


def test_at_60x20_the_plan_keeps_its_summary_details_and_status_column(tmp_path: Path) -> None:
    shot: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await plan_loaded(app, pilot)
        await pilot.press("down")
        await pilot.pause()
        shot.append(app.export_screenshot())

    drive(planning_session(tmp_path), steps, size=(60, 20))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", shot[0])
    page = html.unescape("".join(texts)).replace("\xa0", " ")
    for words in ("steps to install", "Hardware meets CHT's requirements:", "to change",
                  "Docker engine is installed", "Install"):
        assert words in page, words


def test_a_page_taller_than_the_terminal_offers_pgdn(session: Session) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause(0.5)
        assert "pagedown" in shown_keys(app)
        before = app.screen.query_one(".page").scroll_y  # type: ignore[attr-defined]
        await pilot.press("pagedown")
        await pilot.pause()
        assert app.screen.query_one(".page").scroll_y > before  # type: ignore[attr-defined]
        for _ in range(10):  # to the last page: no "More" there
            await pilot.press("pagedown")
        await pilot.pause(0.3)
        assert "pagedown" not in shown_keys(app)
        await pilot.press("pageup")
        await pilot.pause(0.3)
        assert "pagedown" in shown_keys(app)

    drive(session, steps)


def test_i_on_a_blocked_plan_says_why_nothing_runs(tmp_path: Path) -> None:
    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        screen = await plan_loaded(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        assert screen is app.screen  # nothing ran
        said = [str(n.message) for n in app._notifications]
        assert said and said[-1].startswith("A step is blocked, so nothing can run yet"), said

    drive(planning_session(tmp_path, arch="armv7l"), steps)


def test_on_a_server_that_had_cht_i_repairs_or_checks_again(tmp_path: Path) -> None:
    keys: list[dict[str, str]] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        screen = await plan_loaded(app, pilot)
        keys.append(shown_keys(app))
        assert screen.planned is not None
        for step in screen.planned:  # as if every step had probed ok just now
            object.__setattr__(step, "finding", ok("fine"))
        screen.refresh_bindings()
        await pilot.pause()
        keys.append(shown_keys(app))

    session = planning_session(tmp_path)
    session.had_cht = True
    drive(session, steps)
    assert keys[0].get("i") == "Repair" and keys[1].get("i") == "Check again"
    fresh = planning_session(tmp_path / "fresh")
    drive(fresh, steps)
    assert keys[2].get("i") == "Install"


def test_the_welcome_on_a_server_that_had_cht_speaks_of_checking_and_repairing(
        tmp_path: Path) -> None:
    intro: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        intro.append(str(app.screen.query_one("#intro", Static).render()))

    again = planning_session(tmp_path)
    again.had_cht = True
    drive(again, steps)
    drive(planning_session(tmp_path / "fresh"), steps)
    assert "repairs only what is wrong" in intro[0] and "to repair it" in intro[0]
    assert "to install" not in intro[0] and "install Docker" not in intro[0]
    assert "pressed i to install" in intro[1] and "sets up" in intro[1]


def test_warnings_accepted_before_are_not_said_to_be_accepted_just_now(
        session: Session) -> None:
    verdicts: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("system")
        await pilot.pause(0.3)
        verdicts.append(str(app.screen.query_one("#verdict", Static).render()))

    session.config = session.config.with_changes(accept_warnings=True)  # saved, or a flag
    drive(session, steps)
    assert verdicts[0].startswith("These were accepted before (on an earlier run, or when "
                                  "cht-install was started)."), verdicts


def test_doctor_r_shows_it_checks_again_and_names_the_mark_it_uses(session: Session) -> None:
    calls: list[float] = []
    release = threading.Event()

    def doctor() -> dict[str, object]:
        calls.append(1)
        if len(calls) > 1:
            release.wait(10)  # the second check is slow: its sign must show meanwhile
        return {"healthy": True, "certificate": None,
                "steps": [{"id": "a", "title": "Step A", "status": "ok", "reason": "fine",
                           "fix": ""}],
                "checks": [{"id": "b", "title": "Backups", "status": "warning",
                            "reason": "none yet", "fix": "turn them on"}]}

    session.doctor = doctor  # type: ignore[method-assign]
    seen: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await pilot.pause(0.3)
        seen.append(str(app.screen.query_one("#report", Static).render()))
        await pilot.press("r")
        await pilot.pause(0.3)
        seen.append(str(app.screen.query_one("#report", Static).render()))
        release.set()
        await pilot.pause(0.3)
        seen.append(str(app.screen.query_one("#report", Static).render()))

    app = ChtInstallApp(session, first="doctor")  # as `cht-install doctor` opens it

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await steps(app, pilot)

    asyncio.run(run())
    assert seen[0].startswith("Healthy, with 1 warning (marked [warn] above). Checked at ")
    assert "[warn] Backups: none yet" in seen[0]
    assert seen[1] == "Checking every step again (nothing is changed) ..."
    assert seen[2].startswith("Healthy, with 1 warning") and len(calls) == 2


def test_at_60x20_a_long_blocked_fix_is_read_whole_by_scrolling_above_the_table(
        tmp_path: Path) -> None:
    seen: list[str] = []
    keys: list[dict[str, str]] = []

    def words(app: ChtInstallApp) -> str:
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", app.export_screenshot())
        return html.unescape("".join(texts)).replace("\xa0", " ")

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        screen = await plan_loaded(app, pilot)
        await pilot.pause(0.2)
        keys.append(shown_keys(app))
        seen.append(words(app))
        await pilot.press("tab")
        for _ in range(12):
            await pilot.press("down")
            await pilot.pause(0.05)
            seen.append(words(app))
        fix = next(s for s in screen.planned or [] if s.id == "os.supported").finding.fix
        seen.append(fix)

    drive(planning_session(tmp_path, arch="armv7l"), steps, size=(60, 20))
    assert keys[0].get("tab") == "Read all above"
    fix = seen.pop()
    # every word of the fix was on the screen at some point, in order, line by line
    shown = " ".join(" ".join(page.split()) for page in seen)
    for word in fix.split():
        assert word in shown, word
    assert "Nothing has been installed." in " ".join(fix.split())
    # its last words are below the fold at first, and in view once scrolled
    assert "been installed." not in seen[0] and "been installed." in seen[-1]


def test_the_keys_line_is_drawn_again_only_when_its_keys_change(tmp_path: Path) -> None:
    session = planning_session(tmp_path)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        footer = screen.query_one(Footer)
        drawn: list[object] = []
        refresh = footer.refresh
        footer.refresh = lambda *args, **kwargs: drawn.append(args) or refresh(  # type: ignore[method-assign]
            *args, **kwargs)
        more = ("pagedown", "PgDn", "More", True)
        assert more in footer.shown  # the page goes on below
        screen.refresh_bindings()  # nothing changed: the same keys stay
        screen.query_one("#hostname", Input).blur()  # typing or not: the same keys
        await pilot.pause(0.3)
        assert drawn == []
        screen.page().scroll_end(animate=False)  # nothing more below: "More" goes
        await pilot.pause(0.5)
        assert drawn
        assert more not in footer.shown
        assert "PgDn" not in footer.render().plain and "^n Next" in footer.render().plain

    drive(session, steps)


def test_a_click_on_a_key_in_the_keys_line_presses_it(tmp_path: Path) -> None:
    session = planning_session(tmp_path)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause(0.5)
        footer = app.screen.query_one(Footer)
        spans = {key: (start, end) for start, end, key, _ in footer.spans}
        start, end = spans["escape"]
        assert footer.render().plain[start:end] == " esc Back "
        await pilot.click(Footer, offset=(start + 2, 0))  # on "esc Back": back
        await pilot.pause(0.3)
        assert not isinstance(app.screen, SettingsScreen)

    drive(session, steps)
