"""Page keys for a screen whose page is taller than the terminal: shown only then."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen

LAYOUT_SETTLED = 0.2  # seconds: the new layout (and so the page's height) is known by then
# priority: the page's own container binds these keys too (hidden), and would win
PAGE_KEYS = [
    Binding("pagedown", "page_down", "More", key_display="PgDn", priority=True),
    Binding("pageup", "page_up", "Back up", key_display="PgUp", show=False, priority=True),
]


class Paged(Screen[None]):
    """A screen with a ``.page`` VerticalScroll; PgDn/PgUp are offered while it scrolls."""

    def page(self) -> VerticalScroll:
        return self.query_one(".page", VerticalScroll)

    def can_page(self) -> bool:
        try:
            return self.page().max_scroll_y > 0
        except NoMatches:  # not composed yet, or already gone
            return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "page_down":  # "More" only while there is more below
            return self.can_page() and self.page().scroll_y < self.page().max_scroll_y
        if action == "page_up":
            return self.can_page()
        return True

    def on_mount(self) -> None:
        # however the page moves (keys, arrows, mouse), the footer follows
        self.watch(self.page(), "scroll_y", lambda _: self.refresh_bindings(), init=False)

    def action_page_down(self) -> None:
        self.page().scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.page().scroll_page_up(animate=False)

    def on_resize(self) -> None:
        self.page_changed()

    def page_changed(self) -> None:
        """After the page's content or size changed: offer the page keys, or not (once the
        new layout is known)."""
        self.set_timer(LAYOUT_SETTLED, self.refresh_bindings)
