"""Settings: host name, admin password (generated or typed) and the TLS mode."""

from __future__ import annotations

import os
import time
from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    Collapsible,
    Header,
    Input,
    Label,
    RadioSet,
    Static,
)
from textual.worker import get_current_worker

from installer.answer_checks import hostname_problem
from installer.answers import BY_KEY, AnswersError, InstallConfig, value_at
from installer.session import Session
from installer.setting_names import FIELD_LABELS
from screens.footer import Footer
from screens.scrolling import PAGE_KEYS, Paged
from screens.toggles import ChoiceSet, MarkedCheckbox, MarkedRadioButton
from screens.why import WhyScreen

# The CHT lines: the current one first, marked supported; 3.x marked end of life.
LINES = {
    "current": "CHT 5.x / 4.x: supported (for new sites)",
    "3.x": "CHT 3.x (medic-os): end of life, existing sites",
}
DEFAULT_VERSIONS = {"current": "latest", "3.x": "3.9.0-rc.2"}  # latest: asked at Next
LINE_IDS = {"current": "current", "3.x": "cht3"}  # widget ids cannot hold a dot

SOURCES = {
    "official": "Docker's own repository (recommended)",
    "distro": "This OS's own packages (older Docker)",
}

UPDATES = "Let the OS install security updates itself"

MODES = {
    "self-signed": "Self-signed (trials: each phone must trust it)",
    "own": "My own certificate files (from a CA)",
    "letsencrypt": "Let's Encrypt (free, automatic renewal)",
}


# Errors name the field as this screen labels it (headless, the answers key is named).
# F1 on a field: the paragraph that says why it matters.
CERTIFICATES = ("Which certificate: what it means for phones", "tls.mode")
WHY_OF_FIELD = {
    **{field: CERTIFICATES for field in ("tls-mode", "own-fields", "letsencrypt-fields")},
    "data": ("Where CHT keeps its data", "data.location"),
    **{field: ("Nightly backups", "data.backup")
       for field in ("backup-dir", "backup-schedule", "backup-keep")},
    **{field: ("Alerts", "alerts.set-up") for field in ("alerts-webhook", "alerts-email")},
    "automatic-updates": ("Security updates", "os.security-updates"),
    "docker-group": ("Running docker without sudo", "docker.group"),
    "docker-source": ("Where Docker comes from", "docker.repository"),
}
NOTE_DELAY = 0.6  # seconds after the last keystroke before the host name is looked up


# The fields of the form typed as text, each from its answer's entry (answers.py).
OWN_FIELDS = ("tls.certificate", "tls.chain", "tls.key", "tls.password")
MODE_FIELDS = {"own": OWN_FIELDS, "letsencrypt": ("tls.email",)}
MODE_PARTS = {"own": "own-fields", "letsencrypt": "letsencrypt-fields"}
CARE_FIELDS = ("backup.dir", "backup.schedule", "backup.keep", "alerts.webhook",
               "alerts.email")
PROXY_FIELDS = ("proxy.http", "proxy.https", "proxy.no_proxy")
FORM_FIELDS = ("hostname", "cht_version", "data", "http_port", "https_port", "registry",
               "builds_url", *PROXY_FIELDS, *CARE_FIELDS)


def shown_at_first(key: str, config: InstallConfig) -> str:
    """What an answer's field shows before anything is typed (a secret: nothing)."""
    value = None if BY_KEY[key].secret else value_at(config, key)
    return "" if value is None else str(value)


def text_field(key: str, config: InstallConfig, shown: str | None = None,
               classes: str = "") -> ComposeResult:
    """An answer's field: its prompt, and its value (shown: as given, else as at first)."""
    entry = BY_KEY[key]
    if entry.prompt:
        yield Label(entry.prompt)
    field = Input(shown_at_first(key, config) if shown is None else shown, id=entry.field_id,
                  placeholder=entry.placeholder, password=entry.secret, classes=classes)
    # No blinking cursor (it redraws twice a second over SSH), and nothing selected on
    # focus (one stray key must not replace a whole answer).
    field.cursor_blink = False
    field.select_on_focus = False
    yield field


def line_of(version: str) -> str:
    """The line a typed version selects ("3.x" for anything that is not 4.x/5.x)."""
    return InstallConfig(cht_version=version or None).line


class SettingsScreen(Paged):
    # Focused as the screen is made, so that its first frame shows it: the host name, or on
    # a server with CHT the page (nothing is edited until the person moves to a field).
    AUTO_FOCUS = ".first-focus"
    BINDINGS = [
        Binding("ctrl+n", "next", "Next"),
        Binding("f1", "why", "Why"),
        Binding("escape", "back", "Back"),
        # q quits as on every screen while no field is being typed in (then it is a letter)
        Binding("q", "quit_letter", "Quit", show=False),
        # priority, as the app's own Ctrl+Q is: else the footer would show the app's (hidden).
        # Shown always: the keys line stays the same whether a field is being typed in or
        # not (each change of it is drawn again over the link).
        Binding("ctrl+q", "quit", "Quit", priority=True),
        *PAGE_KEYS,
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.password_kept = session.admin_password() is not None
        self.saved = session.saved_answers()  # None on a server cht-install never ran on
        user = os.environ.get("SUDO_USER", "")
        self.sudo_user = user if user and user != "root" else ""
        self.noted: str | None = None  # the host name whose note is shown (or coming)
        self.filled: set[str] = set()  # the parts not shown at first that have their fields

    def compose(self) -> ComposeResult:
        config = self.session.config
        yield Header()
        field_first, page_first = ("first-focus", "") if self.saved is None else (
            "", "first-focus")
        with VerticalScroll(classes=f"page {page_first}"):
            yield Static("[b]Settings[/b]", classes="title")
            yield from text_field("hostname", config, classes=field_first)
            note = self.note_now(config.hostname, early=True)
            if note is not None:
                self.noted = config.hostname
            yield Static(note or "", id="hostname-note", classes="hint")
            if self.password_kept:
                yield Label(f"Admin password: kept (it is in {self.session.env_file}).")
            else:
                yield Label("Admin password for user 'medic' (leave empty to generate one):")
                yield from text_field("admin_password", config, shown="")
            if self.sudo_user:
                yield MarkedCheckbox(f"Let {self.sudo_user} run docker without sudo (adds them to "
                               "the docker group; root-equivalent)",
                               value=bool(config.docker.group_user), id="docker-group")
            yield Label("Which CHT:" if self.saved is None else
                        f"Which CHT (this server has CHT {self.saved.version}):")
            with ChoiceSet(id="cht-line"):
                for line, text in LINES.items():
                    yield MarkedRadioButton(text, value=config.line == line,
                                            id=f"line-{LINE_IDS[line]}")
            yield from text_field("cht_version", config, shown=config.version)
            tls = config.tls
            yield Label(BY_KEY["tls.mode"].prompt)
            with ChoiceSet(id="tls-mode", classes="tls-mode"):
                for mode, text in MODES.items():
                    yield MarkedRadioButton(text, value=tls.mode == mode, id=f"mode-{mode}")
            # The parts not shown at first get their fields when first shown: laying out
            # and styling them at once was about a third of this screen's time.
            for mode, name in MODE_PARTS.items():
                part = Vertical(id=name, classes="mode-fields")
                part.display = tls.mode == mode
                yield part
            yield Collapsible(title="More settings: data, ports, registry mirror, proxy",
                              id="more", collapsed=True)
            yield Collapsible(title="After the install: backups, alerts, updates",
                              id="care", collapsed=True)
            yield Static("", id="error")
            yield Static("[b]Tab[/b] moves between fields, [b]Enter[/b] on the last "
                         "field or [b]Ctrl+N[/b] goes on.", classes="hint")
        yield Footer()

    def part(self, name: str) -> ComposeResult:
        """The fields of a part not shown at first."""
        config = self.session.config
        if name == "own-fields":
            for key in OWN_FIELDS:
                yield from text_field(key, config)
        elif name == "letsencrypt-fields":
            yield from text_field("tls.email", config)
            yield Static("Needs DNS for the host name pointing here and port 80 open.",
                         classes="hint")
        elif name == "more":
            for key in ("data", "http_port", "https_port"):
                yield from text_field(key, config)
            yield Label(BY_KEY["docker.source"].prompt)
            yield ChoiceSet(*(MarkedRadioButton(text, value=config.docker.source == source,
                                                id=f"docker-{source}")
                              for source, text in SOURCES.items()), id="docker-source")
            for key in ("registry", "builds_url", *PROXY_FIELDS):
                yield from text_field(key, config)
        elif name == "care":
            for key in CARE_FIELDS:
                yield from text_field(key, config)
            yield MarkedCheckbox(UPDATES, value=bool(config.updates.automatic),
                                 id="automatic-updates")

    async def fill(self, name: str) -> None:
        """A part's fields, made the first time it shows."""
        if name in self.filled:
            return
        self.filled.add(name)
        holder: Widget = self.query_one(f"#{name}")
        if isinstance(holder, Collapsible):
            holder = holder.query_one(Collapsible.Contents)
        await holder.mount_all(list(self.part(name)))

    def on_mount(self) -> None:
        # (what the first frame shows is made in compose: each change after it is a frame)
        mode = self.session.config.tls.mode
        if mode in MODE_PARTS:
            self.call_later(self.show_fields, mode)
        if self.noted is None:  # not known as the screen was made: looked up now
            self.noted = self.session.config.hostname
            self.look_up(self.noted, 0.0)
        # Once this screen is drawn: the plan for these answers, so that Next shows it at once
        self.call_after_refresh(self.plan_ahead)

    def on_input_changed(self, event: Input.Changed) -> None:
        # (the field's first value comes as a change too: that name is noted already)
        if event.input.id == "hostname" and event.value.strip() != self.noted:
            self.note_hostname(event.value.strip(), NOTE_DELAY)

    def note_now(self, name: str, early: bool) -> str | None:
        """The note on a name when it is known without waiting for a DNS look-up (early:
        the look-up started before this screen has its answer, taken once)."""
        problem = hostname_problem(name)
        if problem:
            return f"[b]Not a host name:[/b] {escape(problem)}"
        if self.session.planning_elsewhere:  # no DNS asked: instant
            return self.words_for(name)
        found = self.session.note_found_early(name) if early else None
        return None if found is None else self.words(*found)

    def note_hostname(self, name: str, delay: float) -> None:
        """Under the field: why a name cannot be used (at once), or whether phones could
        reach it (after a DNS look-up, once typing pauses)."""
        self.noted = name
        self.workers.cancel_group(self, "hostname-note")
        now = self.note_now(name, early=False)
        self.query_one("#hostname-note", Static).update(now or "")
        if now is None:
            self.look_up(name, delay)

    def words_for(self, name: str) -> str:
        return self.words(*self.session.hostname_note(name))

    @staticmethod
    def words(unreachable: bool, words: str) -> str:
        return f"[b]Warning:[/b] {escape(words)}" if unreachable else escape(words)

    @work(thread=True, exclusive=True, group="hostname-note")
    def look_up(self, name: str, delay: float) -> None:
        time.sleep(delay)  # a newer keystroke cancels this look-up
        if get_current_worker().is_cancelled:
            return
        words = self.words_for(name)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.query_one("#hostname-note", Static).update, words)

    def selected_mode(self) -> str:
        pressed = self.query_one("#tls-mode", RadioSet).pressed_button
        return (pressed.id or "mode-self-signed").removeprefix("mode-") if pressed else (
            "self-signed")

    def selected_source(self) -> str:
        choices = list(self.query("#docker-source").results(RadioSet))  # once shown
        pressed = choices[0].pressed_button if choices else None
        return (pressed.id or "docker-official").removeprefix("docker-") if pressed else (
            self.session.config.docker.source)

    async def show_fields(self, mode: str) -> None:
        if mode in MODE_PARTS:
            await self.fill(MODE_PARTS[mode])
        self.query_one("#own-fields").display = mode == "own"
        self.query_one("#letsencrypt-fields").display = mode == "letsencrypt"
        self.page_changed()  # the page may scroll now, or not

    async def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        await self.fill(str(event.collapsible.id))
        self.page_changed()

    def on_collapsible_collapsed(self) -> None:
        self.page_changed()

    async def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "cht-line":
            line = {v: k for k, v in LINE_IDS.items()}.get(
                (event.pressed.id or "").removeprefix("line-"), "3.x")
            version = self.query_one("#cht-version", Input)
            if line_of(version.value.strip()) != line:
                version.value = DEFAULT_VERSIONS.get(line, version.value)
            return
        if event.radio_set.id == "docker-source":
            return
        await self.show_fields(self.selected_mode())
        self.query_one("#error", Static).update("")  # it was about the other mode's fields

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "hostname" and not self.password_kept:
            self.query_one("#admin-password", Input).focus()
        else:
            self.action_next()

    def plan_ahead(self) -> None:
        """The plan for the answers as this screen shows them, made while it is read."""
        try:
            config = self.session.checked_answers(self.given())
        except AnswersError:
            return  # said when Next is pressed
        self.session.preview_ahead(config)

    def given(self) -> dict[str, object]:
        """The answers as this screen shows them, by their keys."""
        given: dict[str, object] = {key: self.typed_answer(key) for key in FORM_FIELDS}
        if not self.password_kept:
            given["admin_password"] = self.typed_answer("admin_password")
        mode = self.selected_mode()
        given["tls.mode"] = mode
        for key in MODE_FIELDS.get(mode, ()):
            given[key] = self.typed_answer(key)
        config = self.session.config
        boxes = list(self.query("#automatic-updates").results(Checkbox))  # once shown
        asked = boxes[0].value if boxes else bool(config.updates.automatic)
        given["updates.automatic"] = True if asked else (
            False if config.updates.automatic is not None else None)
        given["docker.source"] = self.selected_source()
        if self.sudo_user:
            grant = self.query_one("#docker-group", Checkbox).value
            given["docker.group_user"] = self.sudo_user if grant else None
        return given

    def action_next(self) -> None:
        try:
            self.session.change_answers(self.given())
        except AnswersError as exc:
            label = FIELD_LABELS.get(exc.field, exc.field)
            bad = exc.value if isinstance(exc.value, str) and exc.value not in (
                "", "********") else None
            what = f"{bad} is not valid; expected " if bad else "expected "
            self.query_one("#error", Static).update(
                f"[b]{escape(label)}:[/b] {escape(what + exc.expected)}")
            return
        self.query_one("#error", Static).update("")
        self.app.go("plan")  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit_letter":  # q: a letter while a field is being typed in
            return not isinstance(self.focused, Input)
        return super().check_action(action, parameters)

    async def action_quit(self) -> None:
        await self.app.action_quit()

    async def action_quit_letter(self) -> None:
        await self.app.action_quit()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def action_why(self) -> None:
        """F1: why the field being edited matters (its paragraph), else which fields have
        one."""
        node: DOMNode | None = self.focused
        while node is not None and node is not self and node.id not in WHY_OF_FIELD:
            node = node.parent
        if node is None or node.id not in WHY_OF_FIELD:
            self.notify("F1 explains the certificate choice, the data location, backups, "
                        "alerts, updates and the docker group: move to one of them with Tab, "
                        "then press F1.", timeout=8)
            return
        title, item = WHY_OF_FIELD[str(node.id)]
        self.app.push_screen(WhyScreen(title, item))

    def typed_answer(self, key: str) -> Any:
        """An answer as typed in its field: its default when the field is empty, a number
        when it takes one (else the text, for the answers' check to name the field)."""
        entry = BY_KEY[key]
        fields = list(self.query(f"#{entry.field_id}").results(Input))  # a part never shown:
        value = fields[0].value if fields else shown_at_first(key, self.session.config)
        typed = value if entry.secret else value.strip()
        if not typed:
            return entry.default
        return int(typed) if entry.type is int and typed.isdigit() else typed

    def action_back(self) -> None:
        self.app.pop_screen()
