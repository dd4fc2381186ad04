"""System check: the OS and each hardware requirement with its verdict and fix."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from installer.session import Session
from installer.step import Status
from installer.steps.hardware import Check
from installer.words import word
from screens.footer import Footer
from screens.scrolling import PAGE_KEYS, Paged
from screens.why import WhyScreen

# The same words as the plan, the doctor and --yes (installer/words.py); bold where
# the row needs a look.
VERDICT = {status: word(status.value) if status is Status.OK else f"[b]{word(status.value)}[/b]"
           for status in (Status.OK, Status.WARNING, Status.BLOCKED)}


class SystemCheckScreen(Paged):
    AUTO_FOCUS = "DataTable"  # focused as the screen is made: its first frame shows it
    BINDINGS = [
        # priority: Enter goes on wherever the focus is (the table would take it)
        Binding("enter", "next", "Next", priority=True),
        Binding("a", "accept", "Accept warnings"),
        Binding("w", "why", "Why"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
        *PAGE_KEYS,
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.checks: list[Check] | None = None
        self.loaded = False
        self.accepted_here = False  # accepted on this screen, not by saved settings

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("[b]System check[/b]", classes="title")
            yield Static(self._os_line(), id="os")
            yield DataTable(id="checks", cursor_type="row", zebra_stripes=False)
            yield Static("Checking the hardware ...", id="verdict")
            yield Static("", id="fixes")
        yield Footer()

    def _os_line(self) -> str:
        p = self.session.platform
        flags = [name for on, name in ((p.wsl, "WSL"), (p.container, "container")) if on]
        init = "systemd" if p.systemd else "no systemd"
        extra = f", {', '.join(flags)}" if flags else ""
        return f"System: {p.name or p.id} ({p.arch}, {init}{extra})"

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Check", "Found", "Needs", "Verdict")  # (the arrows move in it)
        self.load()
        self.session.look_up_early()  # for the settings screen, next

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept":
            return any(c.status is Status.WARNING for c in self.checks or []) and not (
                self.session.config.accept_warnings)
        return super().check_action(action, parameters)

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        checks = self.session.hardware()
        self.app.call_from_thread(self.show, checks)

    def show(self, checks: list[Check] | None) -> None:
        self.checks, self.loaded = checks, True
        table = self.query_one(DataTable)
        verdict = self.query_one("#verdict", Static)
        if checks is None:
            verdict.update("Hardware not checked: this plan is for another machine.")
            return
        for check in checks:
            table.add_row(check.name, check.value, check.need, VERDICT[check.status])
        self._explain()
        self.page_changed()

    def action_why(self) -> None:
        self.app.push_screen(WhyScreen("CHT's hardware needs", "hardware.enough"))

    def _explain(self) -> None:
        checks = self.checks or []
        problems = [c for c in checks if c.status is not Status.OK]
        blocked = [c for c in problems if c.status is Status.BLOCKED]
        verdict = self.query_one("#verdict", Static)
        if blocked:
            verdict.update("[b]Cannot install here[/b] until this is fixed:")
        elif problems and not self.session.config.accept_warnings:
            verdict.update("[b]Below CHT's requirements.[/b] Press [b]a[/b] to accept and go on.")
        elif problems and self.accepted_here:
            verdict.update("Warnings accepted. Press [b]Enter[/b] to go on.")
        elif problems:
            verdict.update("These were accepted before (on an earlier run, or when "
                           "cht-install was started). Press [b]Enter[/b] to go on.")
        else:
            verdict.update("[b]All requirements met.[/b] Press [b]Enter[/b] to go on.")
        lines = [escape(f"- {c.reason}\n  Fix: {c.fix}") for c in problems]
        self.query_one("#fixes", Static).update("\n".join(lines))

    def action_accept(self) -> None:
        if self.checks and not any(c.status is Status.BLOCKED for c in self.checks):
            self.session.accept_warnings()
            self.accepted_here = True
            self._explain()
            self.refresh_bindings()

    def action_next(self) -> None:
        checks = self.checks or []
        if not self.loaded or any(c.status is Status.BLOCKED for c in checks):
            self.app.bell()
            return
        if any(c.status is Status.WARNING for c in checks) and not (
            self.session.config.accept_warnings
        ):
            self.notify("Press a to accept the warnings first.", severity="warning")
            return
        self.app.go("settings")  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
