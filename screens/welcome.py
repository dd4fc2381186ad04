"""Welcome: what cht-install is about to do, and how to move around."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from screens.footer import Footer
from screens.later import SessionLater
from screens.scrolling import PAGE_KEYS, Paged

if TYPE_CHECKING:
    from installer.session import Session

INTRO = """\
[b]Welcome to cht-install[/b]

{opening}

{parts}

{closing}

Keys are shown at the bottom of every screen."""
# A first install, and a re-run on a server where cht-install installed CHT before.
PARTS = {False: ("check the operating system and the hardware against CHT's needs",
                 "install Docker and docker compose", "download the CHT images{images}",
                 "start CHT and give it a TLS certificate", "prove that CHT answers over HTTPS"),
         True: ("the operating system and the hardware, against CHT's needs",
                "Docker and docker compose", "the CHT images{images}",
                "CHT itself and its TLS certificate", "that CHT answers over HTTPS")}
OPENING = {False: "This sets up a Community Health Toolkit (CHT) server on this machine:",
           True: "CHT was installed here before. This checks each part of it, in this order, "
                 "and repairs only what is wrong:"}
CLOSING = {False: "Nothing changes until you have reviewed the plan and pressed [b]i[/b] to "
                  "install.\nRunning cht-install again later checks everything and repairs "
                  "only what is broken.",
           True: "Nothing changes until you have seen what the checks found and pressed "
                 "[b]i[/b] to repair it."}


class WelcomeScreen(Paged):
    BINDINGS = [
        Binding("enter", "next", "Start checks"),
        Binding("n", "next", "Next", show=False),
        Binding("q", "app.quit", "Quit"),
        *PAGE_KEYS,
    ]

    def __init__(self, session: Session | SessionLater) -> None:
        super().__init__()
        self.source = session
        self.had_cht = session.had_cht
        # made already (e.g. `cht-install doctor`'s or the tests'): everything at once
        self.ready = None if isinstance(session, SessionLater) else session
        self.last_outcome = self.ready.last_outcome() if self.ready else None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static(self.intro(self.ready), id="intro")
            # The line's one-line notice: 3.x's end of life, or the current line's.
            yield Static(escape(self.ready.line.notice) if self.ready else "",
                         id="end-of-life", classes="notice")
            yield Static(escape(self.last_outcome or ""), id="last-run")
        yield Footer()

    def intro(self, session: Session | None) -> str:
        """The words, with the images' names once the session knows them."""
        images = f" ({session.line.images_words(session.config)})" if session else ""
        parts = "\n".join(f"  {number}. {part.format(images=images)}"
                          for number, part in enumerate(PARTS[self.had_cht], 1))
        return INTRO.format(opening=OPENING[self.had_cht], parts=parts,
                            closing=CLOSING[self.had_cht])

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#end-of-life").display = self.ready is not None
        self.query_one("#last-run").display = bool(self.last_outcome)
        if self.ready is None:
            self.call_after_refresh(self.fill)  # once the first frame is out

    @work(thread=True, exclusive=True)
    def fill(self) -> None:
        """The parts that need the session, once it is made (a bad answer ends the app
        with its words)."""
        from installer.answers import AnswersError

        assert isinstance(self.source, SessionLater)
        try:
            session = self.source.get()
        except AnswersError as exc:
            self.app.call_from_thread(self.app.exit, 2, message=f"cht-install: bad answer: {exc}")
            return
        last = session.last_outcome()
        self.app.call_from_thread(self.filled, session, last)

    def filled(self, session: Session, last: str | None) -> None:
        self.query_one("#intro", Static).update(self.intro(session))
        notice = self.query_one("#end-of-life", Static)
        notice.update(escape(session.line.notice))
        notice.display = True
        if last:
            shown = self.query_one("#last-run", Static)
            shown.update(escape(last))
            shown.display = True
        self.page_changed()

    def action_next(self) -> None:
        self.app.go("system")  # type: ignore[attr-defined]
