"""Settings: host name, admin password (generated or typed) and the TLS mode."""

from __future__ import annotations

import os
from dataclasses import replace

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Header, Input, Label, Static

from installer.answers import AnswersError
from installer.session import Session


class SettingsScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+n", "next", "Next"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.password_kept = session.admin_password() is not None
        user = os.environ.get("SUDO_USER", "")
        self.sudo_user = user if user and user != "root" else ""

    def compose(self) -> ComposeResult:
        config = self.session.config
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("[b]Settings[/b]", classes="title")
            yield Label("Host name people will use to reach CHT (also the certificate's name):")
            yield Input(config.hostname, id="hostname", placeholder="cht.example.org")
            if self.password_kept:
                yield Label(f"Admin password: kept (it is in {self.session.paths.env_file}).")
            else:
                yield Label("Admin password for user 'medic' (leave empty to generate one):")
                yield Input("", id="password", password=True, placeholder="generated")
            if self.sudo_user:
                yield Checkbox(f"Let {self.sudo_user} run docker without sudo (adds them to "
                               "the docker group; root-equivalent)",
                               value=bool(config.docker.group_user), id="docker-group")
            yield Static(
                "TLS certificate: self-signed for the host name. Browsers and phones will "
                "ask to trust it; bring your own certificate or use Let's Encrypt in a "
                "later version.", id="tls",
            )
            yield Static("", id="error")
            yield Static("[b]Tab[/b] moves between fields, [b]Enter[/b] on the last "
                         "field or [b]Ctrl+N[/b] goes on.", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hostname", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "hostname" and not self.password_kept:
            self.query_one("#password", Input).focus()
        else:
            self.action_next()

    def action_next(self) -> None:
        changes: dict[str, object] = {"hostname": self.query_one("#hostname", Input).value.strip()}
        if not self.password_kept:
            typed = self.query_one("#password", Input).value
            changes["admin_password"] = typed or None
        if self.sudo_user:
            grant = self.query_one("#docker-group", Checkbox).value
            changes["docker"] = replace(self.session.config.docker,
                                        group_user=self.sudo_user if grant else None)
        try:
            self.session.config = self.session.config.with_changes(**changes)
        except AnswersError as exc:
            self.query_one("#error", Static).update(escape(str(exc)))
            return
        if self.session.config.admin_password:
            self.session.real.add_secret(self.session.config.admin_password)
        self.query_one("#error", Static).update("")
        self.app.go("plan")  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
