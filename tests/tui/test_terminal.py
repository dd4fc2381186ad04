"""Plain terminals: when to draw in ASCII, and that every glyph becomes one ASCII cell."""

from __future__ import annotations

import pytest

from installer.rate import Rate, duration
from screens.terminal import TABLE, needs_ascii


@pytest.mark.parametrize(("env", "ascii_only"), [
    ({"TERM": "xterm-256color", "LANG": "en_US.UTF-8"}, False),
    ({"TERM": "xterm", "LANG": "C.UTF-8"}, False),
    ({"TERM": "linux", "LC_ALL": "en_GB.utf8"}, False),
    ({"TERM": "vt100", "LANG": "en_US.UTF-8"}, True),
    ({"TERM": "xterm", "LANG": "C"}, True),
    ({"TERM": "xterm", "LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),  # Python's PEP 538 coercion
    ({"TERM": "xterm"}, True),
    ({"TERM": "xterm", "LANG": "en_US.UTF-8", "CHT_INSTALL_ASCII": "1"}, True),
])
def test_ascii_is_chosen_for_terminals_that_cannot_show_more(
    env: dict[str, str], ascii_only: bool
) -> None:
    assert needs_ascii(env) is ascii_only


def test_the_glyphs_textual_draws_become_one_ascii_cell_each() -> None:
    drawn = "┏━┓┃ ┗━┛ ▐●▌ ▐ ▌ ▊▔▁▎ ━╸ ⏎ … ⭘ ▄▄ █ ▂▂ │─┼"
    plain = drawn.translate(TABLE)
    assert plain.isascii() and len(plain) == len(drawn)
    assert plain.startswith("+-+| +-+ [*] [ ] |  | --")


def test_speed_and_time_left_come_from_the_last_seconds() -> None:
    rate = Rate(window=5)
    assert rate.summary(0, 100) == ""
    for second in range(10):
        rate.update(second * 2_000_000, now=float(second))
    assert rate.summary(18_000_000, 36_000_000) == "2.0 MB/s, 9 s left"
    rate.update(0, now=11.0)  # a retried pull starts over: old samples are dropped
    assert rate.speed() is None
    assert duration(75) == "1 min 15 s" and duration(3700) == "1 h 01 min"
