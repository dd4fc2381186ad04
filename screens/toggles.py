"""Radio buttons and checkboxes whose mark shows their state without colour (a vt100, a
terminal without UTF-8 or colours): a mark when on, a blank when off."""

from __future__ import annotations

from textual.content import Content
from textual.events import Mount
from textual.widgets import Checkbox, RadioButton, RadioSet


class MarkedRadioButton(RadioButton):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class MarkedCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class ChoiceSet(RadioSet):
    """A RadioSet whose highlight starts on the chosen button, not the first: Tab then
    Enter keeps the choice instead of silently picking the first one."""

    def on_mount(self, event: Mount) -> None:
        # RadioSet's own mount handler runs after this one and highlights the first button
        self.call_next(self.highlight_chosen)

    def highlight_chosen(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index  # RadioSet's own highlight (no public setter)
