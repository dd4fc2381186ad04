"""The keys line at the bottom: one widget that draws its keys as Textual's footer does, and
draws them again only when they change. Textual's own is a widget per key, built anew on
every focus change or binding check: two frames and a set of widgets each time, on a link
where each frame costs, and a frame after the screen's first when a key depends on its
layout (PgDn while the page is longer than the screen)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Shown = tuple[tuple[str, str, str, bool], ...]  # (key, as shown, description, enabled)
DIM = Style(dim=True)  # a key shown but not usable now


class Footer(Widget):
    """The screen's shown key bindings, in one line."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description"}
    # Textual's footer's look: its colours and spacing, key by key
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: Shown = ()
        self.spans: list[tuple[int, int, str, bool]] = []  # (from, to, key, enabled)

    def keys(self) -> Shown:
        return tuple((binding.key, self.app.get_key_display(binding), binding.description,
                      enabled)
                     for _, binding, enabled, _ in self.screen.active_bindings.values()
                     if binding.show)

    def on_mount(self) -> None:
        self.shown = self.keys()
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Drawn again at once when its keys changed: in the frame of what changed them."""
        if not (self.is_attached and screen is self.screen):
            return
        keys = self.keys()
        if keys != self.shown:
            self.shown = keys
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        words_style = self.get_component_rich_style("footer-key--description")
        line = Text(no_wrap=True, overflow="crop")
        self.spans = []
        for key, display, description, enabled in self.shown:
            start = len(line)
            dim = Style() if enabled else DIM
            line.append(f" {display} ", key_style + dim)
            if description:
                line.append(f"{description} ", words_style + dim)
            self.spans.append((start, len(line), key, enabled))
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key, enabled in self.spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
