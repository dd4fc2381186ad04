"""The settings screen's question about the docker group (asked; default no)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Checkbox, Static

from installer.session import Options, Session
from screens.app import ChtInstallApp
from screens.plan_review import PlanReviewScreen
from screens.settings import SettingsScreen
from tests.buildserver import build_server
from tests.tui.driving import drive, planning_session

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


def settle_on_settings(user: str | None, monkeypatch: pytest.MonkeyPatch,
                       tick: bool) -> Session:
    if user is None:
        monkeypatch.delenv("SUDO_USER", raising=False)
    else:
        monkeypatch.setenv("SUDO_USER", user)
    session = Session(Options(root=Path("/nonexistent/cht-settings"), os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org"}))
    app = ChtInstallApp(session)

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("settings")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            boxes = list(screen.query("#docker-group").results(Checkbox))
            assert len(boxes) == (1 if user and user != "root" else 0)
            if boxes:
                assert boxes[0].value is False  # default: no
                if tick:
                    boxes[0].value = True
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert isinstance(app.screen, PlanReviewScreen)

    asyncio.run(drive())
    return session


def test_the_sudo_user_is_asked_and_the_default_is_no(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settle_on_settings("alice", monkeypatch, tick=False).config.docker.group_user is None


def test_ticking_the_box_adds_the_sudo_user(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settle_on_settings("alice", monkeypatch, tick=True).config.docker.group_user == "alice"


def test_root_and_plain_logins_are_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    settle_on_settings(None, monkeypatch, tick=False)
    settle_on_settings("root", monkeypatch, tick=False)


def choose_tls(monkeypatch: pytest.MonkeyPatch, downs: int,
               fields: dict[str, str]) -> tuple[Session, str]:
    """Pick the TLS mode with the keyboard, fill its fields, go on: the session's config
    after it, and the error shown (empty when the screen moved on)."""
    from textual.widgets import Collapsible, Input, RadioSet, Static

    monkeypatch.delenv("SUDO_USER", raising=False)
    session = Session(Options(root=Path("/nonexistent/cht-settings"), os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org"}))
    app = ChtInstallApp(session)
    shown: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("settings")
            await pilot.pause()
            screen = app.screen
            screen.query_one("#tls-mode", RadioSet).focus()
            await pilot.press(*["down"] * downs, "enter")
            for field, value in fields.items():
                for section in ("more", "care"):  # a field of a section not opened yet
                    if not screen.query(f"#{field}"):
                        screen.query_one(f"#{section}", Collapsible).collapsed = False
                        await pilot.pause()
                screen.query_one(f"#{field}", Input).value = value
            await pilot.press("ctrl+n")
            await pilot.pause()
            if app.screen is screen:
                shown.append(str(screen.query_one("#error", Static).render()))

    asyncio.run(drive())
    return session, (shown[0] if shown else "")


def test_own_certificate_mode_takes_the_file_paths(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    cert, key = tmp_path / "cht.pem", tmp_path / "cht.key"
    cert.write_text("certificate")
    key.write_text("key")
    session, error = choose_tls(monkeypatch, 1, {"tls-certificate": str(cert), "tls-key": str(key)})
    assert error == ""
    tls = session.config.tls
    assert (tls.mode, tls.certificate, tls.key, tls.chain) == ("own", str(cert), str(key), None)


def test_own_certificate_that_does_not_exist_names_the_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    session, error = choose_tls(monkeypatch, 1, {"tls-certificate": str(tmp_path / "none.pem")})
    assert error.startswith("Certificate file:") and "none.pem" in error
    assert "an existing file" in error
    assert session.config.tls.mode == "self-signed"


def test_lets_encrypt_mode_takes_the_email(monkeypatch: pytest.MonkeyPatch) -> None:
    session, error = choose_tls(monkeypatch, 2, {"tls-email": "ops@example.org"})
    assert error == ""
    assert (session.config.tls.mode, session.config.tls.email) == (
        "letsencrypt", "ops@example.org")


def test_own_mode_without_a_certificate_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    session, error = choose_tls(monkeypatch, 1, {})
    assert error.startswith("Certificate file:")  # the screen's label, not the answers key
    assert session.config.tls.mode == "self-signed"  # nothing taken from a bad form


async def opened(section: Any, pilot: Pilot[int]) -> None:
    """A settings section, out of the way (one line at 80x24) until opened with Enter."""
    assert section.collapsed
    section.query_one("CollapsibleTitle").focus()
    await pilot.press("enter")
    await pilot.pause()
    assert not section.collapsed


def filled_in(section: str, fields: dict[str, str], monkeypatch: pytest.MonkeyPatch,
              tmp_path: Path, tick: str | None = None) -> Session:
    """The settings with one section opened and its fields filled (a box ticked), gone on
    to the plan: the session's choices after it."""
    from textual.widgets import Collapsible, Input

    monkeypatch.delenv("SUDO_USER", raising=False)
    session = planning_session(tmp_path)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        screen = app.screen
        await opened(screen.query_one(f"#{section}", Collapsible), pilot)
        for field, value in fields.items():
            screen.query_one(f"#{field}", Input).value = value
        if tick:
            screen.query_one(f"#{tick}", Checkbox).value = True
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, PlanReviewScreen)

    drive(session, steps)
    return session


def test_more_settings_take_ports_data_and_a_registry_mirror(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = filled_in("more", {"data": "/srv/cht", "http-port": "8080", "https-port": "8443",
                                "registry": "mirror.lan:5000"}, monkeypatch, tmp_path).config
    assert (config.data, config.http_port, config.https_port, config.registry) == (
        "/srv/cht", 8080, 8443, "mirror.lan:5000")


def test_a_bad_port_names_the_field_by_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    session, error = choose_tls(monkeypatch, 0, {"https-port": "https"})
    assert error.startswith("HTTPS port:") and "a port number from 1 to 65535" in error


def test_an_error_of_one_tls_mode_goes_when_another_is_chosen(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from textual.widgets import RadioSet, Static

    monkeypatch.delenv("SUDO_USER", raising=False)
    shown: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#tls-mode", RadioSet).focus()
        await pilot.press("down", "enter", "ctrl+n")  # own, without a certificate
        await pilot.pause()
        shown.append(str(screen.query_one("#error", Static).render()))
        screen.query_one("#tls-mode", RadioSet).focus()
        await pilot.press("up", "enter")  # back to self-signed
        await pilot.pause()
        shown.append(str(screen.query_one("#error", Static).render()))

    drive(planning_session(tmp_path), steps)
    assert shown[0].startswith("Certificate file:") and shown[1] == ""


def choose_line(monkeypatch: pytest.MonkeyPatch, choice: int, version: str | None,
                **answers: object) -> tuple[Session, str, str]:
    """Pick the CHT line with the keyboard (0: the supported line, listed first; 1: 3.x, the
    default answer, where the highlight starts), maybe type a version,
    go on: the session, the version field as the pick left it, and the error shown."""
    from textual.widgets import Input, RadioSet, Static

    monkeypatch.delenv("SUDO_USER", raising=False)
    session = Session(Options(root=Path("/nonexistent/cht-settings"), os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org", **answers}))
    app = ChtInstallApp(session)
    seen: list[str] = []

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.go("settings")
            await pilot.pause()
            screen = app.screen
            lines = screen.query_one("#cht-line", RadioSet)
            labels = [str(button.label) for button in lines.query("RadioButton")]
            assert "supported" in labels[0] and "end of life" in labels[1]
            lines.focus()
            await pilot.press(*["up"] * (1 - choice), "enter")
            await pilot.pause()
            seen.append(screen.query_one("#cht-version", Input).value)
            if version is not None:
                screen.query_one("#cht-version", Input).value = version
            await pilot.press("ctrl+n")
            await pilot.pause()
            seen.append(str(screen.query_one("#error", Static).render())
                        if app.screen is screen else "")

    asyncio.run(drive())
    return session, seen[0], seen[1]


def test_choosing_the_supported_line_asks_the_build_server_for_its_newest_release(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with build_server(tmp_path, "5.0.2", "5.2.0", "5.3.0-beta.1") as url:
        session, shown, error = choose_line(monkeypatch, 0, None, builds_url=url)
    assert (shown, error) == ("latest", "")
    assert (session.config.line, session.config.version) == ("current", "5.2.0")
    assert session.asked_latest
    assert [step.id for step in session.plan()][:2] == ["os.supported", "cht.no-other-line"]


def test_latest_when_the_build_server_does_not_answer_says_what_to_type(
        monkeypatch: pytest.MonkeyPatch) -> None:
    session, _, error = choose_line(monkeypatch, 0, None,
                                    builds_url="http://127.0.0.1:9/_couch/builds_4")
    assert "CHT version:" in error and "did not say which release is the newest" in error
    assert "a release number such as 5.2.0" in error
    assert session.config.line == "3.x"  # nothing taken


def test_a_4x_version_typed_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    session, _, error = choose_line(monkeypatch, 0, "4.21.1")
    assert error == "" and session.config.version == "4.21.1"


def test_a_version_of_no_line_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    session, _, error = choose_line(monkeypatch, 0, "7.1.0")
    assert "CHT version:" in error and "cht-install serves 3.x, 4.x and 5.x" in error
    assert session.config.line == "3.x"  # nothing taken


def test_keeping_3x_keeps_its_version(monkeypatch: pytest.MonkeyPatch) -> None:
    session, shown, error = choose_line(monkeypatch, 1, None)
    assert (shown, error) == ("3.9.0-rc.2", "")
    assert session.config.line == "3.x"


def test_backups_alerts_and_updates_are_asked_out_of_the_way(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = filled_in("care", {"backup-dir": "/var/backups/cht", "backup-schedule": "03:15",
                                "backup-keep": "14",
                                "alerts-webhook": "https://ntfy.sh/clinic-server",
                                "alerts-email": "ops@example.org"},
                       monkeypatch, tmp_path, tick="automatic-updates").config
    assert (config.backup.dir, config.backup.schedule, config.backup.keep) == (
        "/var/backups/cht", "03:15", 14)
    assert (config.alerts.webhook, config.alerts.email) == (
        "https://ntfy.sh/clinic-server", "ops@example.org")
    assert config.updates.automatic is True


def test_a_bad_backup_time_names_the_field_by_its_label(monkeypatch: pytest.MonkeyPatch) -> None:
    session, error = choose_tls(monkeypatch, 0, {"backup-schedule": "2am"})
    assert error.startswith("Backup time:") and "a time of day HH:MM" in error
    assert session.config.backup.schedule == "02:30"  # nothing taken from a bad form


def test_an_emptied_field_takes_its_default_as_its_placeholder_says(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = filled_in("more", {"http-port": "8080", "https-port": "", "data": ""},
                       monkeypatch, tmp_path).config
    assert (config.http_port, config.https_port, config.data) == (8080, 443, "volume")


def test_a_number_typed_as_words_names_the_field_by_its_label(
        monkeypatch: pytest.MonkeyPatch) -> None:
    session, error = choose_tls(monkeypatch, 0, {"backup-keep": "seven"})
    assert error.startswith("Backups to keep:") and "seven is not valid" in error
    assert "a whole number of backups from 1 to 365" in error
    assert session.config.backup.keep == 7


def rerun_session(tmp_path: Path) -> Session:
    """A server that ran cht-install before: its saved answers name cht.example.org."""
    session = planning_session(tmp_path)
    saved = session.config
    session.saved_answers = lambda: saved  # type: ignore[method-assign]
    return session


def test_on_a_rerun_a_stray_q_on_settings_quits_and_changes_no_answer(tmp_path: Path) -> None:
    session = rerun_session(tmp_path)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        assert app.screen.query_one("#hostname").has_focus is False
        await pilot.press("q")
        await pilot.pause()

    app = drive(session, steps)
    assert app.return_value == 0
    assert session.config.hostname == "cht.example.org"
    assert session.preview().changes == []


def test_a_key_typed_in_a_field_adds_to_it_and_the_plan_says_what_changes_first(
        tmp_path: Path) -> None:
    session = rerun_session(tmp_path)

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        await pilot.press("tab")  # into the host name: nothing selected, nothing replaced
        await pilot.pause()
        assert app.screen.query_one("#hostname").has_focus
        await pilot.press("q")  # a letter here, not Quit (the footer says so)
        await pilot.pause()
        assert "q" not in {k for k, a in app.screen.active_bindings.items()
                           if a.binding.show and a.enabled}
        await pilot.press("ctrl+n")
        screen = None
        for _ in range(100):
            await pilot.pause(0.1)
            screen = app.screen
            if isinstance(screen, PlanReviewScreen) and screen.planned is not None:
                break
        assert isinstance(screen, PlanReviewScreen)
        summary = str(screen.query_one("#summary").render())
        assert summary.startswith(
            "You changed: Host name: cht.example.org -> cht.example.orgq (Esc to go back)\n")

    drive(session, steps)
    assert session.config.hostname == "cht.example.orgq"


def test_tab_into_a_choice_highlights_the_chosen_one_and_enter_keeps_it(tmp_path: Path) -> None:
    session = rerun_session(tmp_path)  # a 3.x server: the default line

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        screen = app.screen
        line = screen.query_one("#cht-line")
        line.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#line-cht3").value is True  # type: ignore[attr-defined]
        assert screen.query_one("#cht-version").value == "3.9.0-rc.2"  # type: ignore[attr-defined]
        label = [str(w.render()) for w in screen.query("Label")]
        assert "Which CHT (this server has CHT 3.9.0-rc.2):" in label

    drive(session, steps)


def test_more_settings_choose_where_docker_comes_from_and_the_plan_says_so(
        tmp_path: Path) -> None:
    session = rerun_session(tmp_path)  # Docker's own repository, as saved

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#more").collapsed = False  # type: ignore[attr-defined]
        await pilot.pause()
        assert screen.query_one("#docker-official").value is True  # type: ignore[attr-defined]
        screen.query_one("#docker-source").focus()
        await pilot.press("down", "enter")
        await pilot.press("ctrl+n")
        for _ in range(100):
            await pilot.pause(0.1)
            if isinstance(app.screen, PlanReviewScreen) and app.screen.planned is not None:
                break
        summary = str(app.screen.query_one("#summary").render())
        assert summary.startswith("You changed: Where Docker comes from: Docker's own "
                                  "repository -> this OS's own packages"), summary

    drive(session, steps)
    assert session.config.docker.source == "distro"


def test_every_choices_words_fit_a_60_column_terminal() -> None:
    # a radio button or checkbox does not wrap: at 60x20 its box leaves 49 columns
    from screens.settings import LINES, MODES, SOURCES, UPDATES

    words = [*LINES.values(), *MODES.values(), *SOURCES.values(), UPDATES]
    assert [w for w in words if len(w) > 49] == []


def test_settings_show_the_same_quit_typing_or_not_and_ctrl_q_quits_from_anywhere(
        tmp_path: Path) -> None:
    shown: list[list[str]] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        app.go("settings")
        await pilot.pause()
        for focus in (False, True):
            if focus:
                app.screen.query_one("#hostname").focus()
                await pilot.pause()
            shown.append([f"{k} {a.binding.description}" for k, a in
                          app.screen.active_bindings.items()
                          if a.binding.show and a.enabled and a.binding.description == "Quit"])
        app.screen.query_one(VerticalScroll).focus()
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()

    app = drive(rerun_session(tmp_path), steps)
    assert shown == [["ctrl+q Quit"], ["ctrl+q Quit"]]  # the keys line is not drawn again
    assert app.return_value == 0


def test_the_host_names_note_looked_up_during_the_system_check_is_in_the_first_frame(
        tmp_path: Path) -> None:
    """The look-up starts on the system check; the settings screen takes its answer as it
    is made, not from a look-up of its own that would redraw the page when it came."""
    session = Session(Options(root=tmp_path, overrides={"hostname": "localhost"}))
    shown: list[str] = []

    async def steps(app: ChtInstallApp, pilot: Pilot[int]) -> None:
        await pilot.press("enter")  # the system check, which starts the look-up
        for _ in range(100):
            if session.early_note is not None:
                break
            await asyncio.sleep(0.05)
        assert session.early_note is not None and session.early_note[0] == "localhost"
        session.hostname_note = lambda hostname=None: (False, "a later look-up")  # type: ignore[method-assign]
        await app.push_screen(SettingsScreen(session))
        await pilot.pause(0.3)
        assert isinstance(app.screen, SettingsScreen)
        shown.append(str(app.screen.query_one("#hostname-note", Static).content))

    drive(session, steps)
    assert "phones cannot reach localhost" in shown[0], shown  # not "a later look-up"
    assert session.note_found_early("localhost") is None  # taken once: later ones ask again
