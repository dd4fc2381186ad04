"""Doctor: every step and Consideration checked, nothing changed; what is wrong and its fix."""

from __future__ import annotations

import time

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from installer.session import Session
from installer.words import MARK, summary
from screens.footer import Footer
from screens.scrolling import PAGE_KEYS, Paged


def report_markup(report: dict[str, object]) -> str:
    lines = []
    rows = [*report["steps"], *report.get("checks", [])]  # type: ignore[misc]
    for row in rows:
        mark = "\\" + MARK.get(str(row["status"]), "[ ?? ]")
        lines.append(f"{mark} {escape(str(row['title']))}: {escape(str(row['reason']))}")
        fix = row.get("on_screen") or row["fix"]  # the screens' words, where they differ
        if fix and row["status"] != "ok":
            lines.append(f"       [b]fix:[/b] {escape(str(fix))}")
    # the verdict first and last: with a long report, the last line is what stays in sight
    verdict = f"[b]{escape(summary(rows, MARK['warning']))}[/b]"
    checked = f"Checked at {time.strftime('%H:%M:%S')} (r checks again)."
    return verdict + " " + checked + "\n\n" + "\n".join(lines) + "\n\n" + verdict


class DoctorScreen(Paged):
    BINDINGS = [Binding("r", "recheck", "Check again"), Binding("q", "finish", "Quit"), *PAGE_KEYS]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.report: dict[str, object] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("Checking every step (nothing is changed) ...", id="report")
        yield Footer()

    def on_mount(self) -> None:
        self.action_recheck()

    @work(thread=True, exclusive=True)
    def action_recheck(self) -> None:
        if self.report is not None:  # a sign that it runs: the old report goes
            self.app.call_from_thread(self.query_one("#report", Static).update,
                                      "Checking every step again (nothing is changed) ...")
        report = self.session.doctor()
        self.app.call_from_thread(self.show, report)

    def show(self, report: dict[str, object]) -> None:
        self.report = report
        self.query_one("#report", Static).update(report_markup(report))
        self.page_changed()  # the page may scroll now

    def quit_screen(self) -> None:
        """The app's quit: as q here."""
        self.action_finish()

    def action_finish(self) -> None:
        self.app.exit(0 if self.report and self.report["healthy"] else 1)
