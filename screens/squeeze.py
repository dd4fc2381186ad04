"""Fewer bytes for the same frames on a slow link: only the cells that changed since the
terminal last showed them are sent, a colour is said once while it holds and then only by
what changes in it, and long runs of blanks are erased in place."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

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
# A colour's parts, each with the code that ends it alone (ECMA-48); bold and faint end
# together. The order is the canonical one: one look, one string.
PARTS = {"bold": "22", "faint": "22", "italic": "23", "underline": "24", "blink": "25",
         "reverse": "27", "conceal": "28", "strike": "29", "overline": "55", "fg": "39",
         "bg": "49", "ul": "59"}
ONE = {"1": "bold", "2": "faint", "3": "italic", "4": "underline", "21": "underline",
       "5": "blink", "6": "blink", "7": "reverse", "8": "conceal", "9": "strike",
       "53": "overline"}
ENDS = {"22": ("bold", "faint"), "23": ("italic",), "24": ("underline",), "25": ("blink",),
        "27": ("reverse",), "28": ("conceal",), "29": ("strike",), "55": ("overline",),
        "39": ("fg",), "49": ("bg",), "59": ("ul",)}
COLOURED = {"38": "fg", "48": "bg", "58": "ul"}


@lru_cache(maxsize=1024)
def parts(params: str) -> dict[str, str] | None:
    """A colour's parts (part -> its codes), or None for a code this does not know."""
    found: dict[str, str] = {}
    codes = params.split(";") if params else []
    at = 0
    while at < len(codes):
        code = codes[at]
        if code in ("", "0"):
            found.clear()
        elif code in ONE:
            found[ONE[code]] = code
        elif code in ENDS:
            for part in ENDS[code]:
                found.pop(part, None)
        elif code in COLOURED and codes[at + 1:at + 2] == ["5"] and at + 2 < len(codes):
            found[COLOURED[code]] = ";".join(codes[at:at + 3])
            at += 2
        elif code in COLOURED and codes[at + 1:at + 2] == ["2"] and at + 4 < len(codes):
            found[COLOURED[code]] = ";".join(codes[at:at + 5])
            at += 4
        elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
            found["fg"] = code
        elif code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107):
            found["bg"] = code
        else:
            return None
        at += 1
    return found


def joined(found: dict[str, str]) -> str:
    return ";".join(found[part] for part in PARTS if part in found)


# What a blank shows of its colour: its background, unless a part draws across it.
DRAWN_ON_BLANKS = ("reverse", "underline", "strike", "overline")


@lru_cache(maxsize=1024)
def blank(colour: str) -> str:
    """A blank cell's colour as it looks: the letters' colour and weight show on no blank,
    so blanks that differ only in those look the same and are not sent again."""
    found = parts(colour)
    if found is None or any(part in found for part in DRAWN_ON_BLANKS):
        return colour
    return found.get("bg", "")


@lru_cache(maxsize=4096)
def change(old: str, new: str) -> str:
    """The shortest colour sequence from ``old`` to ``new``: what changed, or a reset and
    all of ``new``."""
    whole = f"\x1b[0;{new}m" if new else "\x1b[0m"
    was, now = parts(old), parts(new)
    if not old or was is None or now is None:
        return f"\x1b[{new}m" if not old else whole
    codes: list[str] = []
    if any(part in was and now.get(part) != was[part] for part in ("bold", "faint")):
        codes.append("22")
        was = {part: code for part, code in was.items() if part not in ("bold", "faint")}
    codes += [PARTS[part] for part in was if part not in now]
    codes += [now[part] for part in PARTS if part in now and was.get(part) != now[part]]
    delta = f"\x1b[{';'.join(codes)}m"
    return delta if len(delta) < len(whole) else whole


class Squeeze:
    """Rewrites what the app writes to the terminal into fewer bytes that draw the same.

    Every frame the app's renderer sends is painted onto a copy of what the terminal shows;
    only the cells that differ are sent, in the order that needs the fewest colour changes
    and cursor moves, a colour by what changes in it (``deltas``). ``erase`` (terminals
    whose terminfo says they erase characters in the current background: xterm's
    descendants, the Linux console, PuTTY) also turns a long run of blanks into
    erase-and-step-over. Anything that may change the screen in another way (clearing it,
    the alternate screen) forgets the copy, so the next frame is sent whole."""

    def __init__(self, erase: bool, deltas: bool = True) -> None:
        self.erase = erase
        self.deltas = deltas  # the terminal knows ECMA-48's codes that end one part
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
                        painted[row, column] = (char, blank(colour) if char == " " else colour)
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
            out.append(move(None, row, column))
            self.rests = (row, column)
        self.set("", out)  # between writes, anything else written shows plainly
        return "".join(out)

    @staticmethod
    def after(colour: str, params: str) -> str:
        """The colour after a colour sequence, in its canonical form where its codes are
        known: a reset first starts again from nothing."""
        if params in ("", "0"):
            return ""
        if params.startswith("0;"):
            colour, params = "", params[2:]
        whole = f"{colour};{params}" if colour else params
        found = parts(whole)
        return whole if found is None else joined(found)

    def words(self, colour: str) -> str:
        """What changes the terminal's colour to ``colour`` ("" when it has it)."""
        if colour == self.sent:
            return ""
        if self.deltas:
            return change(self.sent, colour)
        reset = "0;" if self.sent else ""
        return f"\x1b[{reset}{colour}m" if colour else "\x1b[0m"

    def set(self, colour: str, out: list[str]) -> None:
        if words := self.words(colour):
            out.append(words)
            self.sent = colour

    def flush(self, painted: dict[tuple[int, int], Cell], out: list[str]) -> None:
        """Sends the painted cells that differ from the terminal's, then forgets them."""
        changed = sorted(place for place, cell in painted.items()
                         if self.shown.get(place) != cell)
        pieces: list[Piece] = []
        start = 0
        while start < len(changed):
            row, first = changed[start]
            last, end = first, start + 1
            while (end < len(changed) and changed[end][0] == row
                   and changed[end][1] - last <= GAP
                   and all((row, between) in painted for between in range(last, changed[end][1]))):
                last, end = changed[end][1], end + 1
            pieces += cut(row, first, last, painted)
            start = end
        cursor: tuple[int, int] | None = None
        for piece in self.order(pieces):
            out.append(move(cursor, piece.row, piece.first))
            self.send(piece, painted, out)
            cursor = (piece.row, piece.last + 1)
        self.shown.update(painted)
        painted.clear()

    def free(self, piece: Piece) -> bool:
        """Whether the piece shows right in the terminal's colour as it is."""
        return piece.colour == self.sent or (piece.blanks and blank(self.sent) == piece.colour)

    def order(self, pieces: list[Piece]) -> Iterator[Piece]:
        """The pieces, each followed by whichever costs the fewest bytes to go to: the next
        in place, the one where the cursor is, or the first in the colour the terminal has
        (a scrollbar's column goes in one colour after the text, not one change per row)."""
        by_colour: dict[str, deque[int]] = {}
        at: dict[tuple[int, int], int] = {}
        for number, piece in enumerate(pieces):
            by_colour.setdefault(piece.colour, deque()).append(number)
            at[piece.row, piece.first] = number
        done = [False] * len(pieces)
        first = 0
        cursor: tuple[int, int] | None = None

        def cost(number: int) -> tuple[int, int]:
            piece = pieces[number]
            return (len(move(cursor, piece.row, piece.first))
                    + (0 if self.free(piece) else len(self.words(piece.colour))), number)

        for _ in pieces:
            while done[first]:
                first += 1
            choices = [first]
            if cursor in at and not done[at[cursor]]:
                choices.append(at[cursor])
            for colour in {self.sent, blank(self.sent)}:
                waiting = by_colour.get(colour)
                while waiting and done[waiting[0]]:
                    waiting.popleft()
                if waiting:
                    choices.append(waiting[0])
            best = min(choices, key=cost)
            done[best] = True
            piece = pieces[best]
            cursor = (piece.row, piece.last + 1)
            yield piece  # sent before the next is chosen: the terminal's colour is known

    def send(self, piece: Piece, painted: dict[tuple[int, int], Cell], out: list[str]) -> None:
        self.rests = None
        row, last = piece.row, piece.last
        column = piece.first
        while column <= last:
            text, colour = painted[row, column]
            if text == "":
                column += 1
                continue
            if text != " " or blank(self.sent) != colour:  # a blank shows the same in both
                # a blank that starts a piece is said in the piece's colour: one change
                self.set(piece.colour if blank(piece.colour) == colour else colour, out)
            if text == " " and self.erase:
                run = column
                while run <= last and painted[row, run] == (" ", blank(self.sent)):
                    run += 1
                if run - column >= BLANKS:
                    out.append(f"\x1b[{run - column}X\x1b[{run - column}C")
                    column = run
                    continue
            out.append(text)
            column += 1


def move(cursor: tuple[int, int] | None, row: int, column: int) -> str:
    """The fewest bytes that put the cursor at (row, column), from 0, from ``cursor``
    (where it was left after the last cell sent; None: not known). On its own row the
    column alone is said, which holds even where the last cell sent was the row's last."""
    if cursor == (row, column):
        return ""
    if cursor is not None and cursor[0] == row:
        return "\r" if column == 0 else f"\x1b[{column + 1}G"
    return f"\x1b[{row + 1}H" if column == 0 else f"\x1b[{row + 1};{column + 1}H"


class Piece(NamedTuple):
    """Cells of one row to send together, in one colour (blanks: in any that shows them)."""

    row: int
    first: int
    last: int
    colour: str
    blanks: bool  # only blanks: ``colour`` is their look


def cut(row: int, first: int, last: int, painted: dict[tuple[int, int], Cell]) -> list[Piece]:
    """A run of cells cut where its colour changes; a blank goes with the colour it is next
    to when it looks the same in it."""
    pieces: list[Piece] = []
    start, colour, blanks = first, painted[row, first][1], True
    for column in range(first, last + 1):
        text, look = painted[row, column]
        if text == "":  # behind a wide character: part of it
            continue
        if look == colour or (text == " " and blank(colour) == look):
            blanks = blanks and text == " "
            continue
        if blanks and text != " " and blank(look) == colour:  # blanks, then text over them
            colour, blanks = look, False
            continue
        pieces.append(Piece(row, start, column - 1, colour, blanks))
        start, colour, blanks = column, look, text == " "
    pieces.append(Piece(row, start, last, colour, blanks))
    return pieces
