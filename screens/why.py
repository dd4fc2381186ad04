""""Why": one paragraph per check and step (assets/why.yml), with the w key."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

import yaml
from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.footer import Footer


@cache
def texts() -> dict[str, str]:
    loaded = yaml.safe_load(resources.files("assets").joinpath("why.yml").read_text("utf-8"))
    return {str(k): str(v) for k, v in loaded.items()}


def why(item_id: str) -> str:
    return texts().get(item_id, "")


class WhyScreen(ModalScreen[None]):
    """One paragraph; given the other steps (id, title), the arrows move through theirs."""

    BINDINGS = [Binding("escape,w,q,enter", "dismiss", "Close"),
                Binding("up", "move(-1)", "Step before"), Binding("down", "move(1)", "Next step")]

    def __init__(self, title: str, item_id: str,
                 others: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.items = list(others) or [(item_id, title)]
        ids = [i for i, _ in self.items]
        self.at = ids.index(item_id) if item_id in ids else 0
        if item_id not in ids:
            self.items.insert(0, (item_id, title))

    def compose(self) -> ComposeResult:
        with Vertical(id="why"):
            yield Static(self.text(), id="why-text")
        yield Footer()

    def text(self) -> str:
        item_id, title = self.items[self.at]
        where = f" (step {self.at + 1} of {len(self.items)})" if len(self.items) > 1 else ""
        return (f"[b]{escape(title)}[/b]{where}\n\nWhy this matters: "
                f"{escape(why(item_id) or 'no note for this one.')}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "move":
            step = parameters[0] if parameters and isinstance(parameters[0], int) else 0
            return 0 <= self.at + step < len(self.items)
        return True

    def action_move(self, step: int) -> None:
        self.at = max(0, min(len(self.items) - 1, self.at + step))
        self.query_one("#why-text", Static).update(self.text())
        self.refresh_bindings()
