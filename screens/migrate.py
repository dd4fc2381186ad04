"""`cht-install migrate` on a terminal: the migration's plan, its run followed live, its end."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.driver import Driver
from textual.widgets import DataTable, Header, RichLog, Static

from installer import migrate_command as command
from installer.events import Emit, RunFinished
from installer.host import PlanHost
from installer.migration.note import Migration
from installer.runner import PlannedStep, Runner
from installer.session import Session
from installer.step import Status
from installer.words import count
from screens.app import ChtInstallApp, run_app
from screens.confirm import ConfirmScreen
from screens.footer import Footer
from screens.head_table import HeadAndTable
from screens.install import InstallScreen
from screens.scrolling import PAGE_KEYS, Paged
from screens.why import WhyScreen

AGAIN = command.RUN_AGAIN


class MigratePlanScreen(HeadAndTable):
    """The whole plan before anything changes; m starts it (asked once more)."""

    BINDINGS = [
        Binding("m", "migrate", "Migrate"),
        Binding("w", "why", "Why"),
        Binding("tab", "read_above", "Read all above"),  # only when it overflows
        Binding("q,escape", "app.quit", "Quit"),
    ]

    def __init__(self, session: Session, migration: Migration) -> None:
        super().__init__()
        self.session = session
        self.migration = migration

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="page", id="plan-page"):
            # the words above the table scroll by themselves when longer than their place
            with VerticalScroll(id="plan-head"):
                yield Static("Checking what is already in place ...", id="summary")
                yield Static(
                    f"[b]Moving CHT {escape(self.migration.old)} to "
                    f"{escape(self.migration.new)}[/b] (nothing has changed yet). While 3.x "
                    "serves: a backup, the new images, the new release's views (hours on a "
                    "big site). Then 3.x stops for the copy of its data, and the new release "
                    "starts on the copy with 3.x's password, secret and uuid. 3.x's data is "
                    f"only read: [b]{AGAIN} --back[/b] returns to it until you finish.",
                    classes="notice")
                yield Static("", id="detail")
            yield DataTable(id="plan", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.add_step_columns(self.titles().values())
        self.load()

    def titles(self) -> dict[str, str]:
        return {step.id: step.title for step in command.steps(self.session, None)}

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        ctx = command.context(self.session, self.migration, PlanHost(self.session.real))
        planned = Runner(command.steps(self.session, None), ctx).plan()
        self.app.call_from_thread(self.show, planned)

    def show(self, planned: list[PlannedStep]) -> None:
        self.show_steps(planned)
        stops = [s for s in planned if s.finding.status is Status.BLOCKED]
        todo = [s for s in planned if s.finding.status in (Status.NEEDED, Status.BROKEN)]
        if stops:
            text = "[b]Blocked:[/b] " + escape(
                f"{stops[0].finding.reason}\nFix: {stops[0].finding.screen_fix}\nNothing "
                "was changed; 3.x serves on.")
        else:
            text = (f"{count(len(todo), 'step')} to do. Press [b]m[/b] to migrate (asked "
                    "once more).")
        self.query_one("#summary", Static).update(text)
        self.call_after_refresh(self.refresh_bindings)  # whether the words overflow now

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_above":
            return self.head_can_scroll()
        if action == "migrate":
            return self.planned is not None and not self.blocked()
        return True

    def quit_screen(self) -> None:
        """The app's quit: nothing has changed yet."""
        self.app.exit(0, message=f"cht-install migrate: nothing was changed. Run {AGAIN} "
                                 "again when you are ready.")

    def action_why(self) -> None:
        step = self.highlighted()
        if step is not None:
            self.app.push_screen(WhyScreen(step.title, step.id, list(self.titles().items())))

    def action_migrate(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.app.switch_screen(MigrationRunScreen(self.session, self.migration))

        self.app.push_screen(ConfirmScreen(
            f"Migrate to CHT {self.migration.new} now?\n\nCHT is unavailable while 3.x's "
            "data is copied and the new release starts. If the link drops, the migration "
            f"goes on; run {AGAIN} to follow it again."), answered)


class MigrationRunScreen(InstallScreen):
    """The migration's steps live (it runs in a worker of its own, as an install does)."""

    # the install screen's keys; q while it runs names the migration
    BINDINGS = [Binding("q", "leave", "Leave (migration goes on)")
                if isinstance(b, Binding) and b.action == "leave" else b
                for b in InstallScreen.BINDINGS]
    STOP_QUESTION = ("Stop the migration?\n\nIt stops safely after the current step; "
                     f"{AGAIN} goes on from there.")
    LEFT = f"The migration goes on in the background; run {AGAIN} to follow it."

    def __init__(self, session: Session, migration: Migration) -> None:
        super().__init__(session, self.follow, {
            step.id: step.title for step in command.steps(session, None)})
        self.migration = migration
        self.where = ""  # after a stop or failure: what serves, and the ways on or back

    def follow(self, sinks: Sequence[Emit], cancelled: Callable[[], bool]
               ) -> RunFinished | None:
        holder = self.session.running()
        if holder is not None:
            self.session.attach(holder)
        else:
            command.start_detached(self.session, self.migration)
        return self.session.follow(sinks, cancelled)

    def outcome(self, result: RunFinished) -> str:
        return f"CHT {self.migration.new} serves the 3.x site, proven."

    def finished(self, result: RunFinished) -> None:
        super().finished(result)
        if not result.ok:  # what serves now, and the ways on or back
            self.tell_where(result)

    @work(thread=True)
    def tell_where(self, result: RunFinished) -> None:
        self.where = command.ending_lines(self.session, result)[0]
        self.app.call_from_thread(self.query_one(RichLog).write,
                                  f"[b]{escape(self.where)}[/b]")

    def action_quit(self) -> None:
        if self.result is not None and not self.result.ok and self.where:
            self.app.exit(1, message=self.where)  # said again on the terminal left behind
            return
        super().action_quit()

    def action_next(self) -> None:
        assert self.result is not None
        self.app.push_screen(MigratedScreen(self.session, self.result))


class MigratedScreen(Paged):
    """The migration's end: what serves now, and the ways on (--finish) or back."""

    BINDINGS = [Binding("q,enter", "app.quit", "Quit"), *PAGE_KEYS]

    def __init__(self, session: Session, result: RunFinished) -> None:
        super().__init__()
        self.session = session
        self.result = result

    def quit_screen(self) -> None:
        """The app's quit: the end is said; 1 when the migration did not end well."""
        self.app.exit(0 if self.result.ok else 1)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static("\n\n".join(escape(line) for line in
                                     command.ending_lines(self.session, self.result)),
                         id="done")
        yield Footer()


class MigrateApp(ChtInstallApp):
    """The installer's app, opening on the migration's screens."""

    TITLE = "cht-install migrate"

    def __init__(self, session: Session, migration: Migration,
                 driver_class: type[Driver] | None = None) -> None:
        super().__init__(session, first="migrate", driver_class=driver_class)
        self.migration = migration
        # a migration already going (the link dropped): follow it
        self.routes["migrate"] = lambda: (
            MigrationRunScreen(session, migration) if session.running() else
            MigratePlanScreen(session, migration))


def run_tui(session: Session, migration: Migration) -> int:
    return run_app(lambda driver: MigrateApp(session, migration, driver_class=driver))
