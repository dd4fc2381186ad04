"""The keys line at the bottom, composed again only when the keys it shows change: Textual's
own is rebuilt on every focus change or binding check, two frames and a new set of widgets
each time, on a link where each frame costs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

Shown = tuple[tuple[str, str, str, bool], ...]  # (key, as shown, description, enabled)


class Footer(TextualFooter):
    """Textual's footer that keeps its keys while they are the same."""

    shown: Shown | None = None

    def __init__(self) -> None:
        super().__init__()
        # its keys in the screen's first frame, not in one of their own after it
        self.set_reactive(TextualFooter._bindings_ready, True)

    def compose(self) -> ComposeResult:
        self.shown = self.keys()
        yield from super().compose()

    def keys(self) -> Shown:
        return tuple((binding.key, self.app.get_key_display(binding), binding.description,
                      enabled)
                     for _, binding, enabled, _ in self.screen.active_bindings.values()
                     if binding.show)

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.compose_if_changed)

    async def compose_if_changed(self) -> None:
        if not self.is_attached:
            return
        keys = self.keys()
        if keys != self.shown:
            self.shown = keys
            await self.recompose()
