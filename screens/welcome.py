"""Welcome: what cht-install is about to do, and how to move around."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from installer.stacks import cht3
from screens.scrolling import PAGE_KEYS, Paged

INTRO = """\
[b]Welcome to cht-install[/b]

This sets up a Community Health Toolkit (CHT) server on this machine:

  1. check the operating system and the hardware against CHT's needs
  2. install Docker and docker compose
  3. download the CHT images (medic-os and haproxy)
  4. start CHT and give it a TLS certificate
  5. prove that CHT answers over HTTPS

Nothing changes until you have reviewed the plan and pressed [b]i[/b] to install.
Running cht-install again later checks everything and repairs only what is broken.

Keys are shown at the bottom of every screen."""


class WelcomeScreen(Paged):
    BINDINGS = [
        Binding("enter", "next", "Start checks"),
        Binding("n", "next", "Next", show=False),
        Binding("q", "app.quit", "Quit"),
        *PAGE_KEYS,
    ]

    def __init__(self, last_outcome: str | None = None) -> None:
        super().__init__()
        self.last_outcome = last_outcome

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static(INTRO, id="intro")
            yield Static(escape(cht3.END_OF_LIFE_NOTICE), id="end-of-life", classes="notice")
            if self.last_outcome:
                yield Static(escape(self.last_outcome), id="last-run")
        yield Footer()

    def action_next(self) -> None:
        self.app.go("system")  # type: ignore[attr-defined]
