"""What the operator's terminal can show: an ASCII-only driver for terminals without UTF-8
(LANG=C, a vt100), fewer bytes for the same frames, and a byte counter for measuring what
goes over the link."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from typing import Any

from textual.drivers.linux_driver import LinuxDriver

from screens.hold import Hold
from screens.squeeze import Squeeze

ASCII_TERMS = ("vt100", "vt102", "vt220", "ansi", "dumb")
# One cell in, one cell out: the layout keeps its widths.
SPECIAL = {
    "…": ".", "•": "*", "●": "*", "○": "o", "◉": "*", "⭘": "o", "✓": "v", "✔": "v",
    "✗": "x", "✘": "x", "×": "x", "↑": "^", "↓": "v", "←": "<", "→": ">", "▲": "^",
    "▼": "v", "◀": "<", "▶": ">", "▐": "[", "▌": "]", "█": "#", "░": ":", "▒": "#",
    "▓": "#", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "·": ".",
    "\u00a0": " ",
}


def needs_ascii(env: Mapping[str, str]) -> bool:
    """Whether to draw with ASCII only: asked for, a terminal type without line drawing,
    or a locale without UTF-8. Python turns LANG=C into LC_CTYPE=C.UTF-8 for itself
    (PEP 538); that is the operator's terminal saying C, not UTF-8."""
    if env.get("CHT_INSTALL_ASCII") == "1":
        return True
    if env.get("TERM", "") in ASCII_TERMS:
        return True
    lang = env.get("LANG", "")
    ctype = env.get("LC_ALL") or env.get("LC_CTYPE") or lang
    if ctype == "C.UTF-8" and not env.get("LC_ALL") and lang in ("", "C", "POSIX"):
        ctype = lang  # coerced by Python, not chosen
    return not any(mark in ctype.upper().replace("-", "") for mark in ("UTF8",))


def ascii_for(char: str) -> str:
    if char in SPECIAL:
        return SPECIAL[char]
    code = ord(char)
    if 0x2500 <= code <= 0x257F:  # box drawing: lines and corners
        words = set(unicodedata.name(char, "").split())
        if words & {"LEFT", "RIGHT", "HORIZONTAL"} and not words & {"UP", "DOWN", "VERTICAL"}:
            return "-"
        if words & {"UP", "DOWN", "VERTICAL"} and not words & {"LEFT", "RIGHT", "HORIZONTAL"}:
            return "|"
        return "+"
    if 0x2580 <= code <= 0x259F:  # blocks: side bars are edges, thin top/bottom ones blank
        name = unicodedata.name(char, "")
        if ("LEFT" in name or "RIGHT" in name) and "HALF" not in name and "QUADRANT" not in name:
            return "|"
        thin = any(part in name for part in ("ONE EIGHTH", "ONE QUARTER", "THREE EIGHTHS"))
        return " " if thin else "#"
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return "??"
    return "?"


class AsciiTable(dict[int, str]):
    """For str.translate: ASCII stays, anything else becomes its one-cell look-alike."""

    def __missing__(self, code: int) -> str:
        value = chr(code) if code < 128 else ascii_for(chr(code))
        self[code] = value
        return value


TABLE = AsciiTable()
POINTER_SHAPE = "\x1b]22;"  # Textual sets the mouse pointer's shape with this (kitty's OSC 22)


class CountingDriver(LinuxDriver):
    """Writes frames that come a moment apart as one, squeezed, and counts what is written
    to the terminal (CHT_INSTALL_COUNT_BYTES=FILE: the total is written there when the app
    ends)."""

    written = 0
    erase = False  # whether the terminal erases blanks in the current background

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # before the parent's: it may ask the size. The terminals named for a DEC model
        # may not know the codes that end one part of a colour (ECMA-48's 22-29, 39, 49).
        self.squeeze = Squeeze(self.erase, deltas=os.environ.get("TERM", "") not in ASCII_TERMS)
        self.hold = Hold(self.send)
        self.flush_asked = False  # the app is to say when the screen has drawn all
        super().__init__(*args, **kwargs)

    def _get_terminal_size(self) -> tuple[int, int]:
        with self.hold.lock:  # not while a frame is being squeezed
            self.squeeze.forget()  # asked at the start and on each resize: send it all again
        return super()._get_terminal_size()

    def write(self, data: str) -> None:
        if data.startswith(POINTER_SHAPE):
            return  # the mouse pointer's look (kitty's): a packet of its own on each screen
        if self.hold.write(data) and not self.flush_asked:
            # once the screen has drawn all it had to, what is held goes without a pause
            self.flush_asked = self._app.call_after_refresh(self.drawn)

    def drawn(self) -> None:
        self.flush_asked = False
        self.hold.flush()

    def send(self, data: str) -> None:
        data = self.squeeze(data)
        CountingDriver.written += len(data.encode("utf-8", "replace"))
        super().write(data)

    def start_application_mode(self) -> None:
        self.hold.start()
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def stop_application_mode(self) -> None:
        self.hold.stop()  # what is held goes first; the terminal's restoring at once
        super().stop_application_mode()
        target = os.environ.get("CHT_INSTALL_COUNT_BYTES")
        if target:
            with open(target, "w", encoding="ascii") as handle:
                handle.write(f"{CountingDriver.written}\n")


class ErasingDriver(CountingDriver):
    erase = True


class AsciiDriver(CountingDriver):
    def write(self, data: str) -> None:
        super().write(data.translate(TABLE))


class AsciiErasingDriver(AsciiDriver):
    """ASCII only (LANG=C, say) on a terminal that still erases blanks in their colour."""

    erase = True


def erases_blanks(term: str) -> bool:
    """Whether the terminal type says it erases characters (ECH) in the current
    background colour (bce), by its terminfo entry."""
    import curses  # its terminfo is read once per process: this is the only reader

    if not term:
        return False
    with open(os.devnull, "wb") as nowhere:
        try:
            curses.setupterm(term, nowhere.fileno())
        except curses.error:
            return False
    return bool(curses.tigetflag("bce") == 1 and curses.tigetstr("ech"))


def driver_for(env: Mapping[str, str]) -> type[LinuxDriver]:
    erases = erases_blanks(env.get("TERM", ""))
    if needs_ascii(env):
        return AsciiErasingDriver if erases else AsciiDriver
    return ErasingDriver if erases else CountingDriver
