"""Someone edited the compose file by hand: show what differs and ask before replacing it."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.footer import Footer


class ComposeDiffScreen(ModalScreen[str]):
    """Dismissed with "replace", "keep" or "back"."""

    BINDINGS = [
        Binding("r", "choose('replace')", "Replace (yours kept as .bak)"),
        Binding("k", "choose('keep')", "Keep my edits"),
        Binding("escape", "choose('back')", "Back"),
    ]

    def __init__(self, path: str, difference: str) -> None:
        super().__init__()
        self.path = path
        self.difference = difference

    def compose(self) -> ComposeResult:
        lines = []
        for line in self.difference.splitlines():
            text = escape(line)
            if line.startswith("+") and not line.startswith("+++"):
                text = f"[green]{text}[/green]"
            elif line.startswith("-") and not line.startswith("---"):
                text = f"[red]{text}[/red]"
            lines.append(text)
        with Vertical(id="diff-box"):
            yield Static(f"[b]{escape(self.path)} was edited by hand.[/b] The lines with - are "
                         "yours; + is what cht-install would write from the saved answers.")
            with VerticalScroll(id="diff"):
                yield Static("\n".join(lines))
        yield Footer()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
