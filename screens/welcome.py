"""Welcome: what cht-install is about to do, and how to move around."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from installer import stacks
from installer.answers import InstallConfig
from screens.scrolling import PAGE_KEYS, Paged

INTRO = """\
[b]Welcome to cht-install[/b]

This sets up a Community Health Toolkit (CHT) server on this machine:

  1. check the operating system and the hardware against CHT's needs
  2. install Docker and docker compose
  3. download the CHT images ({images})
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

    def __init__(self, last_outcome: str | None = None,
                 config: InstallConfig | None = None) -> None:
        super().__init__()
        self.last_outcome = last_outcome
        self.config = config or InstallConfig()

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page"):
            current = self.config.line == "current"
            images = (f"CHT {self.config.version}'s, and its upgrade service" if current
                      else "medic-os and haproxy")
            yield Static(INTRO.format(images=images), id="intro")
            # The line's one-line notice: 3.x's end of life, or the current line's.
            yield Static(escape(stacks.notice(self.config)), id="end-of-life",
                         classes="notice")
            if self.last_outcome:
                yield Static(escape(self.last_outcome), id="last-run")
        yield Footer()

    def action_next(self) -> None:
        self.app.go("system")  # type: ignore[attr-defined]
