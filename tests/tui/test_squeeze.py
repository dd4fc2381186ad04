"""Squeezed frames draw what the app's frames draw, on a real terminal emulator (pyte)."""

from __future__ import annotations

import ast
import gzip
import random
import subprocess
import sys
from pathlib import Path

import pyte
import pytest

from screens.squeeze import Squeeze, move

COLS, ROWS = 80, 24
# What Textual 8.2.8 wrote for cht-install's screens at 80x24 (welcome, system check,
# settings with the host name's warning coming in, the plan, Esc back, the plan again): one
# write per line, as Python literals.
RECORDED = Path(__file__).parent.parent / "data" / "textual-frames.txt.gz"
# Colours as Textual's renderer writes them (Rich's full style after a reset).
COLOURS = ["", "38;5;253;48;5;233", "1;38;5;253;48;5;233", "48;5;233", "38;5;247;48;5;17",
           "7;38;5;233;48;5;233", "38;5;115;48;5;17", "38;5;233;48;5;234",
           "1;3;38;2;200;10;10;48;5;233", "4;9;38;5;253", "1;2;7;31;44", "3;4;48;2;1;2;3"]
CHARS = "  \u2594\u2581abcXYZ\u258a\u25cf.-\u5b57"  # blanks, borders, letters, a wide character


def frame(rng: random.Random, top: int, rows: int) -> str:
    """A region update as Textual writes one: each row from a cursor move, each run of text
    in its full colour and a reset, a line feed between rows, the cursor placed last."""
    lines = []
    for row in range(top, top + rows):
        parts, column = [], 0
        while column < COLS:
            colour, text = rng.choice(COLOURS), ""
            for _ in range(rng.choice((1, 3, 20, 40))):
                char = rng.choice(CHARS)
                width = 2 if char == "\u5b57" else 1
                if column + width > COLS:
                    break
                text, column = text + char, column + width
            if not text:
                text, column = " ", column + 1
            parts.append(f"\x1b[{colour}m{text}\x1b[0m" if colour else text)
        lines.append(f"\x1b[{row + 1};1H" + "".join(parts))
    return "\n".join(lines) + f"\x1b[{rng.randrange(ROWS) + 1};{rng.randrange(COLS) + 1}H"


def looks(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    """Each cell as it looks: on a blank, the letters' colour, weight and slant show only
    where reverse, an underline or a strike draws them."""
    def look(cell: pyte.screens.Char) -> tuple[object, ...]:
        if cell.data == " " and not (cell.reverse or cell.underscore or cell.strikethrough):
            return (" ", cell.bg)
        return (cell.data, cell.fg, cell.bg, cell.bold, cell.reverse, cell.italics,
                cell.underscore, cell.strikethrough)

    return [[look(screen.buffer[row][column]) for column in range(COLS)]
            for row in range(ROWS)]


@pytest.mark.parametrize("deltas", [True, False])
@pytest.mark.parametrize("erase", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_squeezed_frames_draw_the_same_screen_in_fewer_bytes(erase: bool, seed: int,
                                                             deltas: bool) -> None:
    rng = random.Random(seed)
    plain, squeezed = pyte.Screen(COLS, ROWS), pyte.Screen(COLS, ROWS)
    plain_stream, squeezed_stream = pyte.Stream(plain), pyte.Stream(squeezed)
    squeeze = Squeeze(erase, deltas)
    sent = wrote = 0
    for step in range(30):
        top = rng.randrange(ROWS)
        data = frame(rng, 0, ROWS) if step % 10 == 0 else frame(
            rng, top, rng.randint(1, ROWS - top))
        if step == 15:
            data = "\x1b[2J" + data  # a cleared screen is drawn whole again
        out = squeeze(data)
        plain_stream.feed(data)
        squeezed_stream.feed(out)
        assert looks(squeezed) == looks(plain), f"step {step}"
        assert (squeezed.cursor.x, squeezed.cursor.y) == (plain.cursor.x, plain.cursor.y)
        sent, wrote = sent + len(out), wrote + len(data)
    assert sent < wrote


@pytest.mark.parametrize(("erase", "deltas", "share"), [(True, True, 0.15), (True, False, 0.2),
                                                       (False, True, 0.2), (False, False, 0.25)])
def test_the_screens_textual_drew_look_the_same_squeezed(erase: bool, deltas: bool,
                                                         share: float) -> None:
    writes = [ast.literal_eval(line) for line in
              gzip.decompress(RECORDED.read_bytes()).decode().splitlines()]
    plain, squeezed = pyte.Screen(COLS, ROWS), pyte.Screen(COLS, ROWS)
    plain_stream, squeezed_stream = pyte.Stream(plain), pyte.Stream(squeezed)
    squeeze = Squeeze(erase, deltas)
    sent = 0
    for number, data in enumerate(writes):
        out = squeeze(data)
        plain_stream.feed(data)
        squeezed_stream.feed(out)
        assert looks(squeezed) == looks(plain), f"write {number}"
        sent += len(out)
    assert "Which CHT" in "".join(plain.display) or "The plan" in "".join(plain.display)
    print(f"erase={erase} deltas={deltas}: {sent / sum(map(len, writes)):.3f} of the bytes")
    assert sent < share * sum(map(len, writes))


def test_a_frame_the_terminal_already_shows_costs_almost_nothing() -> None:
    rng = random.Random(7)
    data = frame(rng, 0, ROWS)
    squeeze = Squeeze(erase=True)
    first = squeeze(data)
    again = squeeze(data)
    assert len(first) < len(data)
    assert again == ""  # nothing changed, the cursor already rests where it is put
    squeeze.forget()  # resized: the screen is no longer known
    assert len(squeeze(data)) == len(first)


def test_one_changed_word_is_sent_alone() -> None:
    row = "\x1b[5;1H\x1b[38;5;253;48;5;233mPulling medic-os: 10%\x1b[0m"
    squeeze = Squeeze(erase=False)
    squeeze(row)
    out = squeeze(row.replace("10%", "11%"))
    assert out == "\x1b[5;20H\x1b[38;5;253;48;5;233m1\x1b[0m"


def test_a_colour_change_says_only_what_changed() -> None:
    row = ("\x1b[3;1H\x1b[1;38;5;253;48;5;233mWarning:\x1b[0m\x1b[38;5;253;48;5;233m the"
           "\x1b[0m\x1b[48;5;233m \x1b[0m\x1b[7;38;5;233;48;5;234mx\x1b[0m")
    out = Squeeze(erase=False)(row)
    # (a blank shows only its background: it goes in whichever colour is set)
    assert out == ("\x1b[3H\x1b[1;38;5;253;48;5;233mWarning: \x1b[22mthe "
                   "\x1b[7;38;5;233;48;5;234mx\x1b[0m")
    # a terminal that may not know the codes that end one part: a reset and the whole
    assert Squeeze(erase=False, deltas=False)(row).count("\x1b[0;") == 2


def test_a_blank_is_not_sent_again_for_a_colour_it_does_not_show() -> None:
    squeeze = Squeeze(erase=False)
    squeeze("\x1b[1;1H\x1b[38;5;46;48;5;234m   \x1b[0m")
    assert squeeze("\x1b[1;1H\x1b[38;5;253;48;5;234m   \x1b[0m") == ""
    assert squeeze("\x1b[1;1H\x1b[38;5;253;48;5;235m   \x1b[0m") != ""  # its background
    assert squeeze("\x1b[1;1H\x1b[4;38;5;253;48;5;235m   \x1b[0m") != ""  # underlined


def test_leaving_the_screen_resets_the_colour_first() -> None:
    squeeze = Squeeze(erase=False)
    out = squeeze("\x1b[1;1H\x1b[48;5;17mx\x1b[0m\x1b[?1049l")
    assert out.index("\x1b[0m") < out.index("\x1b[?1049l")
    assert squeeze("\x1b[1;1H\x1b[48;5;17mx\x1b[0m") != ""  # that screen is forgotten


@pytest.mark.parametrize(("term", "erases"), [
    ("xterm-256color", True), ("linux", True), ("screen", False), ("dumb", False),
    ("no-such-terminal", False),
])
def test_blanks_are_erased_only_where_terminfo_says_the_background_fills(
    term: str, erases: bool
) -> None:
    # terminfo is read once per process: each terminal type in its own
    asked = subprocess.run(
        [sys.executable, "-c", f"from screens.terminal import erases_blanks; "
         f"print(erases_blanks({term!r}))"], capture_output=True, text=True, check=True)
    assert asked.stdout.strip() == str(erases)


@pytest.mark.parametrize(("env", "driver"), [
    ({"TERM": "xterm-256color", "LANG": "C.UTF-8"}, "ErasingDriver"),
    ({"TERM": "xterm-256color", "LANG": "C"}, "AsciiErasingDriver"),  # no UTF-8, still erases
    ({"TERM": "linux"}, "AsciiErasingDriver"),
    ({"TERM": "vt100", "LANG": "C.UTF-8"}, "AsciiDriver"),
    ({"TERM": "screen", "LANG": "en_US.UTF-8"}, "CountingDriver"),
])
def test_the_driver_follows_the_locale_and_the_terminals_own_entry(
    env: dict[str, str], driver: str
) -> None:
    asked = subprocess.run(
        [sys.executable, "-c", f"from screens.terminal import driver_for; "
         f"print(driver_for({env!r}).__name__)"], capture_output=True, text=True, check=True)
    assert asked.stdout.strip() == driver


def test_the_cursor_is_moved_in_the_fewest_bytes() -> None:
    assert move((4, 10), 4, 10) == ""  # already there
    assert move((4, 10), 4, 0) == "\r"
    assert move((4, 80), 4, 77) == "\x1b[78G"  # on its row, even after the row's last cell
    assert move((4, 10), 5, 0) == "\x1b[6H"
    assert move(None, 4, 10) == "\x1b[5;11H"
