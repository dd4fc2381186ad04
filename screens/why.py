""""Why": one paragraph per check and step (assets/why.yml), with the w key."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


@cache
def texts() -> dict[str, str]:
    loaded = yaml.safe_load(resources.files("assets").joinpath("why.yml").read_text("utf-8"))
    return {str(k): str(v) for k, v in loaded.items()}


def why(item_id: str) -> str:
    return texts().get(item_id, "")


class WhyScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,w,q,enter", "dismiss", "Close")]

    def __init__(self, title: str, item_id: str) -> None:
        super().__init__()
        self.heading = title
        self.item_id = item_id

    def compose(self) -> ComposeResult:
        with Vertical(id="why"):
            yield Static(f"[b]{escape(self.heading)}[/b]\n\nWhy this matters: "
                         f"{escape(why(self.item_id) or 'no note for this one.')}")
        yield Footer()
