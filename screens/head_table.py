"""The plan's steps in a table under words that scroll by themselves (the install's plan
and the migration's)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from installer.runner import PlannedStep
from installer.step import Status
from installer.words import WORD, word


class HeadAndTable(Screen[None]):
    """Words above a table in a ``#plan-head`` VerticalScroll (Tab moves to them, the
    arrows scroll them, offered while they are longer than their place), the planned steps
    in the table, and the highlighted one's finding in ``#detail``."""

    AUTO_FOCUS = "DataTable"  # focused as the screen is made: its first frame shows it
    planned: list[PlannedStep] | None = None  # once the plan has loaded

    def add_step_columns(self, titles: Iterable[str]) -> None:
        # fixed widths: auto widths follow whatever rows exist when first drawn
        table = self.query_one(DataTable)
        table.add_column("Now", width=max(len(w) for w in WORD.values()))
        table.add_column("Step", width=max(len(title) for title in titles))

    def show_steps(self, planned: list[PlannedStep]) -> None:
        """The steps in the table (again: the cursor stays on its row), and the
        highlighted one's finding above it in the same frame."""
        self.planned = planned
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for step in planned:
            table.add_row(word(step.finding.status.value), step.title)
        row = min(max(row, 0), len(planned) - 1)
        if row >= 0:
            table.move_cursor(row=row)
        table.focus()
        self.show_detail(row)

    def blocked(self) -> bool:
        return any(s.finding.status is Status.BLOCKED for s in self.planned or [])

    def highlighted(self) -> PlannedStep | None:
        """The step the table's cursor is on (None while the plan loads)."""
        if not self.planned:
            return None
        row = min(self.query_one(DataTable).cursor_row, len(self.planned) - 1)
        return self.planned[max(row, 0)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)

    def show_detail(self, row: int) -> None:
        if self.planned is None or not 0 <= row < len(self.planned):
            return
        step = self.planned[row]
        finding = step.finding
        fix = f"\nFix: {finding.screen_fix}" if finding.screen_fix and not finding.ok else ""
        self.query_one("#detail", Static).update(
            f"[b]{escape(step.title)}:[/b] {escape(finding.reason + fix)}")

    def head_can_scroll(self) -> bool:
        head = self.query_one("#plan-head", VerticalScroll)
        return head.max_scroll_y > 0 or head.has_focus

    def action_read_above(self) -> None:
        """Tab: to the words above the table (the arrows scroll them), and back."""
        head = self.query_one("#plan-head", VerticalScroll)
        (self.query_one(DataTable) if head.has_focus else head).focus()
        self.refresh_bindings()
