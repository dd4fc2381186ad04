"""Plan review: which steps will run and which are already fine, before any change."""

from __future__ import annotations

import time

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static

from installer.plan_ahead import Preview
from installer.session import Session
from installer.step import Status
from installer.words import count
from screens.compose_diff import ComposeDiffScreen
from screens.footer import Footer
from screens.head_table import HeadAndTable
from screens.why import WhyScreen

FRESH = 10.0  # seconds a preview made ahead is shown without checking again


class PlanReviewScreen(HeadAndTable):
    BINDINGS = [
        Binding("i", "install", "Install"),
        Binding("i", "repair", "Repair"),
        Binding("i", "check_again", "Check again"),
        Binding("i", "say_blocked", "", show=False),
        Binding("w", "why", "Why"),
        # shown only when the words above the table are longer than their place
        Binding("tab", "read_above", "Read all above"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.warning = ""  # phones may not reach the host name: said, not blocking
        self.changes: list[str] = []  # answers that differ from the last run's

    def compose(self) -> ComposeResult:
        yield Header()
        # The summary and the highlighted step's details above the table, which scrolls by
        # itself: on a small terminal nothing that matters falls below the fold.
        with Vertical(classes="page", id="plan-page"):
            config = self.session.config
            # The words above the table scroll by themselves when longer than half the
            # screen (Tab to them, then the arrows): every word of a long fix can be read.
            with VerticalScroll(id="plan-head"):
                newest = (" (the newest on CHT's build server)" if self.session.asked_latest
                           else "")
                yield Static(f"[b]The plan[/b] for {escape(self.session.line.name)} "
                             f"{escape(config.version)}{newest} (nothing has changed yet). "
                             + escape(self.session.line.notice), classes="notice")
                yield Static("Checking what is already in place ...", id="summary")
                yield Static("", id="detail")
            yield DataTable(id="plan", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.add_step_columns(self.session.step_titles().values())
        # Made while the settings showed, for these answers: in the first frame, checked
        # again behind it when it is no longer fresh (only what changed is redrawn).
        made = self.session.preview_made(wait=False)
        if made is None:
            self.load(ahead=True)
            return
        self.show(made)
        if time.monotonic() - made.begun > FRESH:
            self.load(ahead=False)

    @work(thread=True, exclusive=True)
    def load(self, ahead: bool) -> None:
        preview = self.session.preview_made(wait=True) if ahead else None
        self.app.call_from_thread(self.show, preview or self.session.preview())

    def show(self, preview: Preview) -> None:
        planned = preview.planned
        unreachable, note = preview.phones
        self.warning = note if unreachable else ""
        self.changes = preview.changes
        self.show_steps(planned)
        self.refresh_bindings()
        todo = [s for s in planned if s.finding.status in (Status.NEEDED, Status.BROKEN)]
        stops = [s for s in planned if s.finding.status is Status.BLOCKED]
        if stops:
            text = "[b]Blocked:[/b] " + escape(
                f"{stops[0].finding.reason}\nFix: {stops[0].finding.screen_fix}")
        elif not todo:
            text = ("Everything is in place: nothing needs repair. Press [b]i[/b] to check "
                    "every step again (nothing that is right is changed)."
                    if self.session.had_cht else
                    "Everything is already in place. Press [b]i[/b] to check it again.")
        else:
            fine = len(planned) - len(todo)
            verb = "repair" if self.session.had_cht else "install"
            text = (f"{count(len(todo), 'step')} to {verb}; {fine} "
                    f"{'is' if fine == 1 else 'are'} fine. Press [b]i[/b] to {verb}.")
        if self.warning and not stops:
            text = f"[b]Warning:[/b] {escape(self.warning)}\n{text}"
        if self.changes:  # first, before anything can run: what the settings changed
            text = ("[b]You changed:[/b] " + escape("; ".join(self.changes))
                    + " (Esc to go back)\n" + text)
        self.query_one("#summary", Static).update(text)
        self.call_after_refresh(self.refresh_bindings)  # whether the words overflow now

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_above":
            return self.head_can_scroll()
        if action == "say_blocked":
            return self.planned is not None and self.blocked()
        if action in ("install", "repair", "check_again"):
            # i, named for what it does here; not offered while the plan loads or a step is
            # blocked (pressed then, it says why)
            return self.planned is not None and not self.blocked() and action == self.i_does()
        return True

    def i_does(self) -> str:
        if not self.session.had_cht:
            return "install"
        todo = [s for s in self.planned or [] if s.finding.status in (Status.NEEDED,
                                                                      Status.BROKEN)]
        return "repair" if todo else "check_again"

    def action_say_blocked(self) -> None:
        self.notify("A step is blocked, so nothing can run yet: its fix is above. Press Esc "
                    "to change the settings, or q to quit.", severity="error")

    def action_repair(self) -> None:
        self.action_install()

    def action_check_again(self) -> None:
        self.action_install()

    def action_install(self) -> None:
        if self.planned is None:
            self.app.bell()
            return
        if any(s.finding.status is Status.BLOCKED for s in self.planned):
            self.notify("A step is blocked: fix it first (see above).", severity="error")
            return
        difference = self.session.compose_difference()
        if difference and not self.session.keep_compose_edits:
            self.app.push_screen(
                ComposeDiffScreen(str(self.session.paths.compose_file), difference),
                self.decided)
            return
        self.app.go("install")  # type: ignore[attr-defined]

    def decided(self, choice: str | None) -> None:
        if choice in ("replace", "keep"):
            self.session.keep_compose_edits = choice == "keep"
            self.app.go("install")  # type: ignore[attr-defined]

    def action_why(self) -> None:
        step = self.highlighted()
        if step is not None:
            self.app.push_screen(WhyScreen(step.title, step.id))

    def action_back(self) -> None:
        self.app.pop_screen()
