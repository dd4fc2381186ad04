"""Fewer bytes for the same frames on a slow link: only the cells that changed since the
terminal last showed them are sent, a colour is said once while it holds, and long runs of
blanks are erased in place."""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

# An escape sequence (CSI, OSC, or a two-character one) or a run of text without one.
TOKEN = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                   r"|\x1b[^\[\]]|[^\x1b]+")
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
CUP = re.compile(r"\x1b\[(\d*);?(\d*)H")
# Modes that change nothing drawn (synchronised output, the cursor's visibility, mouse and
# paste reporting); the alternate screen's switches (47, 1047, 1049) are not among them.
KEEPS = re.compile(r"\x1b\[\?(?!(?:47|1047|1049)[hl])[0-9;]*[hl]|\x1b\][^\x07\x1b]*"
                   r"(?:\x07|\x1b\\)|\x1b\[\?[0-9;]*\$p")
GAP = 4  # unchanged cells between two changes re-sent rather than jumped over
BLANKS = 12  # a run of blanks this long or longer is erased in place (where it can be)

Cell = tuple[str, str]  # what the cell shows ("" behind a wide character) and its colour


class Squeeze:
    """Rewrites what the app writes to the terminal into fewer bytes that draw the same.

    Every frame the app's renderer sends is painted onto a copy of what the terminal shows;
    only the cells that differ are sent, each run from a cursor move. ``erase`` (terminals
    whose terminfo says they erase characters in the current background: xterm's
    descendants, the Linux console, PuTTY) also turns a long run of blanks into
    erase-and-step-over. Anything that may change the screen in another way (clearing it,
    the alternate screen) forgets the copy, so the next frame is sent whole."""

    def __init__(self, erase: bool) -> None:
        self.erase = erase
        self.shown: dict[tuple[int, int], Cell] = {}  # (row, column) -> cell, from 0
        self.sent = ""  # the colour the terminal has ("" is the default)
        self.rests: tuple[int, int] | None = None  # where the cursor was left, if known

    def forget(self) -> None:
        """The terminal's screen is no longer known (it was resized or cleared)."""
        self.shown.clear()
        self.rests = None

    def __call__(self, data: str) -> str:
        out: list[str] = []
        painted: dict[tuple[int, int], Cell] = {}
        colour, row, column = self.sent, 0, 0
        moved = False  # the app's last word was a cursor move: where the cursor rests
        for match in TOKEN.finditer(data):
            token = match.group()
            if token[0] != "\x1b":
                for char in token:
                    if char == "\n":
                        row += 1
                    elif char == "\r":
                        column = 0
                    elif char < " ":
                        self.flush(painted, out)
                        out.append(char)
                        self.rests = None
                    elif (width := get_character_cell_size(char)) == 0:
                        if column and (row, column - 1) in painted:
                            text, style = painted[row, column - 1]
                            painted[row, column - 1] = (text + char, style)
                    else:
                        painted[row, column] = (char, colour)
                        if width == 2:
                            painted[row, column + 1] = ("", colour)
                        column += width
                moved = False
            elif (sgr := SGR.fullmatch(token)) is not None:
                colour = self.after(colour, sgr.group(1))
            elif (cup := CUP.fullmatch(token)) is not None:
                row, column = int(cup.group(1) or 1) - 1, int(cup.group(2) or 1) - 1
                moved = True
            else:
                self.flush(painted, out)
                self.set("", out)
                out.append(token)
                if not KEEPS.fullmatch(token):
                    self.forget()
        self.flush(painted, out)
        if moved and self.rests != (row, column):
            out.append(f"\x1b[{row + 1};{column + 1}H")
            self.rests = (row, column)
        self.set("", out)  # between writes, anything else written shows plainly
        return "".join(out)

    @staticmethod
    def after(colour: str, params: str) -> str:
        """The colour after a colour sequence: a reset first starts again from nothing."""
        if params in ("", "0"):
            return ""
        if params.startswith("0;"):
            return params[2:]
        return f"{colour};{params}" if colour else params

    def set(self, colour: str, out: list[str]) -> None:
        if colour != self.sent:
            reset = "0;" if self.sent else ""
            out.append(f"\x1b[{reset}{colour}m" if colour else "\x1b[0m")
            self.sent = colour

    def flush(self, painted: dict[tuple[int, int], Cell], out: list[str]) -> None:
        """Sends the painted cells that differ from the terminal's, then forgets them."""
        changed = sorted(place for place, cell in painted.items()
                         if self.shown.get(place) != cell)
        start = 0
        while start < len(changed):
            row, first = changed[start]
            last, end = first, start + 1
            while (end < len(changed) and changed[end][0] == row
                   and changed[end][1] - last <= GAP
                   and all((row, between) in painted for between in range(last, changed[end][1]))):
                last, end = changed[end][1], end + 1
            self.send(row, first, last, painted, out)
            start = end
        self.shown.update(painted)
        painted.clear()

    def send(self, row: int, first: int, last: int, painted: dict[tuple[int, int], Cell],
             out: list[str]) -> None:
        self.rests = None
        out.append(f"\x1b[{row + 1};{first + 1}H")
        column = first
        while column <= last:
            text, colour = painted[row, column]
            if text == "":
                column += 1
                continue
            self.set(colour, out)
            if text == " " and self.erase:
                run = column
                while run <= last and painted[row, run] == (" ", colour):
                    run += 1
                if run - column >= BLANKS:
                    out.append(f"\x1b[{run - column}X\x1b[{run - column}C")
                    column = run
                    continue
            out.append(text)
            column += 1
