"""Welcome: what cht-install is about to do, and how to move around."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from installer.session import Session
from screens.scrolling import PAGE_KEYS, Paged

INTRO = """\
[b]Welcome to cht-install[/b]

{opening}

{parts}

{closing}

Keys are shown at the bottom of every screen."""
# A first install, and a re-run on a server where cht-install installed CHT before.
PARTS = {False: ("check the operating system and the hardware against CHT's needs",
                 "install Docker and docker compose", "download the CHT images ({images})",
                 "start CHT and give it a TLS certificate", "prove that CHT answers over HTTPS"),
         True: ("the operating system and the hardware, against CHT's needs",
                "Docker and docker compose", "the CHT images ({images})",
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

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.last_outcome = session.last_outcome()
        self.had_cht = session.had_cht

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            line = self.session.line
            images = line.images_words(self.session.config)
            parts = "\n".join(f"  {number}. {part.format(images=images)}"
                              for number, part in enumerate(PARTS[self.had_cht], 1))
            yield Static(INTRO.format(opening=OPENING[self.had_cht], parts=parts,
                                      closing=CLOSING[self.had_cht]), id="intro")
            # The line's one-line notice: 3.x's end of life, or the current line's.
            yield Static(escape(line.notice), id="end-of-life",
                         classes="notice")
            if self.last_outcome:
                yield Static(escape(self.last_outcome), id="last-run")
        yield Footer()

    def action_next(self) -> None:
        self.app.go("system")  # type: ignore[attr-defined]
