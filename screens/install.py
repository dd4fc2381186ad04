"""Install: each step's live status, a progress bar for the running step, the log below."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, ProgressBar, RichLog, Static
from textual.worker import get_current_worker

from installer.events import (
    Emit,
    Event,
    Log,
    Progress,
    RunFinished,
    StepDone,
    StepFailed,
    StepStarted,
)
from installer.rate import Rate
from installer.repairs import RepairNotes
from installer.session import Session
from installer.step import Status
from screens.confirm import ConfirmScreen
from screens.footer import Footer
from screens.why import WhyScreen

# Runs (or follows) the install, delivering its events; its outcome, None when it died
# without one. The second argument says when to stop following (the screen went away).
Start = Callable[[Sequence[Emit], Callable[[], bool]], RunFinished | None]
MARK = {"pending": "[    ]", "running": "[ .. ]", "ok": "[ ok ]", "warning": "[warn]",
        "done": "[done]", "failed": "[FAIL]"}
PROGRESS_EVERY = 1.0  # seconds between progress redraws: cheap on a slow link


class InstallScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "next", "Next"),
        Binding("n", "next", "Next", show=False),
        Binding("r", "retry", "Retry"),
        Binding("w", "why", "Why"),
        Binding("q", "leave", "Leave (install goes on)"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "stop", "Stop safely", priority=True),
    ]
    STOP_QUESTION = ("Stop the install?\n\nIt stops safely after the current step; running "
                     "cht-install again goes on from there.")
    LEFT = "The install goes on in the background; run cht-install again to follow it."

    def __init__(self, session: Session, start: Start | None = None,
                 titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.start = start or session.run_detached
        self.steps = list((titles or session.step_titles()).items())
        self.state = {step_id: "pending" for step_id, _ in self.steps}
        self._shown = dict(self.state)
        self.result: RunFinished | None = None
        self._last_draw = 0.0
        self.rate = Rate()
        session.notes = self.notes = RepairNotes()  # what was found and done, for the end

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="page"):
            with VerticalScroll(id="steps-box"):
                for number, (step_id, _) in enumerate(self.steps):
                    yield Static(self._row(step_id), id=f"step-{number}", classes="step",
                                 markup=False)
            yield Static("Starting ...", id="current")
            with Horizontal(id="progress"):
                yield ProgressBar(id="bar", show_eta=False, show_percentage=False)
                yield Static("", id="pace")
            yield RichLog(id="log", wrap=True, markup=True, max_lines=500, min_width=20)
        yield Footer()

    def on_mount(self) -> None:
        self.run_install()

    def _row(self, step_id: str) -> str:
        return f"{MARK[self.state[step_id]]} {dict(self.steps)[step_id]}"

    def _redraw_rows(self) -> None:
        """Redraw only the rows whose mark changed: one line each over the link."""
        for number, (step_id, _) in enumerate(self.steps):
            if self._shown.get(step_id) != self.state[step_id]:
                self._shown[step_id] = self.state[step_id]
                self.query_one(f"#step-{number}", Static).update(self._row(step_id))

    @work(thread=True, exclusive=True)
    def run_install(self) -> None:
        worker = get_current_worker()

        def deliver(event: Event) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.handle, event)

        result = self.start([deliver], lambda: worker.is_cancelled)
        if result is None and not worker.is_cancelled:
            self.app.call_from_thread(self.killed)

    def killed(self) -> None:
        self.result = RunFinished(ok=False, failed="(killed)")
        self.query_one("#current", Static).update(
            "[b]The run ended without an outcome[/b] (it was killed). Press [b]r[/b] to run "
            "again: it goes on from where it stopped.")
        self.refresh_bindings()

    def handle(self, event: Event) -> None:
        self.notes(event)
        log = self.query_one(RichLog)
        current = self.query_one("#current", Static)
        bar = self.query_one(ProgressBar)
        if isinstance(event, StepStarted):
            self.state[event.step_id] = "running"
            current.update(f"Step {event.index} of {event.total}: {event.title}")
            box = self.query_one("#steps-box", VerticalScroll)
            box.scroll_to(y=max(0, event.index - box.size.height // 2), animate=False)
            # no bar until there is something to measure: an empty bar never animates
            bar.display = False
            self.rate = Rate()
            self.query_one("#pace", Static).update("")
        elif isinstance(event, Progress):
            if event.total > 0:
                self.rate.update(event.done)
            now = time.monotonic()
            if now - self._last_draw < PROGRESS_EVERY and event.done < event.total:
                return
            self._last_draw = now
            if event.total > 0:
                bar.display = True
                bar.update(total=event.total, progress=event.done)
                pace = self.rate.summary(event.done, event.total)
                percent = f"{100 * event.done // event.total}%"
                self.query_one("#pace", Static).update(", ".join(filter(None, (percent, pace))))
            if event.detail:
                current.update(escape(event.detail[:76]))
            return
        elif isinstance(event, Log):
            log.write(escape(event.text))
            return
        elif isinstance(event, StepDone):
            self.state[event.step_id] = "done" if event.applied else (
                "warning" if event.finding.status is Status.WARNING else "ok")
            log.write(escape(f"{self.title_of(event.step_id)}: {event.finding.reason}"))
        elif isinstance(event, StepFailed):
            self.state[event.step_id] = "failed"
            log.write(f"[b]{escape(self.title_of(event.step_id))}: not done.[/b] "
                      f"{escape(event.finding.reason)}")
            if event.finding.screen_fix:
                log.write(f"[b]Fix:[/b] {escape(event.finding.screen_fix)}")
        elif isinstance(event, RunFinished):
            self.finished(event)
        self._redraw_rows()

    def title_of(self, step_id: str | None) -> str:
        return dict(self.steps).get(step_id or "", "the next step")

    def finished(self, result: RunFinished) -> None:
        self.result = result
        # The last lines (the outcome, the fix) in view: a wrapped line written just before
        # can leave the log one line short of its end.
        log = self.query_one(RichLog)
        self.call_after_refresh(lambda: log.scroll_end(animate=False))
        bar = self.query_one(ProgressBar)
        current = self.query_one("#current", Static)
        if result.ok:
            bar.update(total=1, progress=1)
            current.update(f"[b]{escape(self.outcome(result))}[/b] Press [b]Enter[/b] for "
                           "the details.")
        elif result.stopped:
            current.update(f"[b]Stopped, as asked, before: {escape(self.title_of(result.failed))}"
                           ".[/b] Press [b]r[/b] to go on, or [b]q[/b] to quit.")
        else:
            current.update(f"[b]Stopped at: {escape(self.title_of(result.failed))}.[/b] Fix it "
                           "(see below), then press [b]r[/b] to retry, or [b]q[/b] to quit.")
        self.refresh_bindings()

    def outcome(self, result: RunFinished) -> str:
        """A run that ended well, in one sentence."""
        return self.notes.outcome(result, self.session.had_cht)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return bool(self.result and self.result.ok)
        if action == "retry":
            return bool(self.result and not self.result.ok)
        if action in ("stop", "leave"):
            return self.result is None
        if action == "quit":
            return self.result is not None
        return True

    def action_next(self) -> None:
        self.app.go("done")  # type: ignore[attr-defined]

    def action_retry(self) -> None:
        self.result = None
        self.state = {step_id: "pending" for step_id, _ in self.steps}
        self._redraw_rows()
        self.refresh_bindings()
        self.run_install()

    def action_why(self) -> None:
        # the step running or stopped at, else the last one that changed something
        running = [i for i, _ in self.steps if self.state[i] in ("running", "failed")]
        changed = [i for i, _ in self.steps if self.state[i] == "done"]
        step_id = (running or changed or [self.steps[-1][0]])[-1]
        # the arrows there move through every other step's paragraph
        self.app.push_screen(WhyScreen(dict(self.steps)[step_id], step_id, self.steps))

    def action_stop(self) -> None:
        def answered(stop: bool | None) -> None:
            if stop and self.result is None:  # the run may have ended meanwhile
                self.session.request_stop()
                self.query_one("#current", Static).update(
                    "Stopping after the current step (a step is never cut short) ...")

        self.app.push_screen(ConfirmScreen(self.STOP_QUESTION), answered)

    def action_leave(self) -> None:
        self.app.exit(0, message=self.LEFT)

    def quit_screen(self) -> None:
        """The app's quit (Ctrl+C on the way out, Ctrl+Q): as q here."""
        self.action_quit()

    def action_quit(self) -> None:
        if self.result is None:
            self.action_leave()
            return
        self.app.exit(0 if self.result.ok else 1)
