"""Words above a table that scroll by themselves (the plan's and the migration's)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable


class HeadAndTable(Screen[None]):
    """Words above a table in a ``#plan-head`` VerticalScroll: Tab moves to them (the
    arrows scroll them) and back, offered while they are longer than their place."""

    def head_can_scroll(self) -> bool:
        head = self.query_one("#plan-head", VerticalScroll)
        return head.max_scroll_y > 0 or head.has_focus

    def action_read_above(self) -> None:
        """Tab: to the words above the table (the arrows scroll them), and back."""
        head = self.query_one("#plan-head", VerticalScroll)
        (self.query_one(DataTable) if head.has_focus else head).focus()
        self.refresh_bindings()
