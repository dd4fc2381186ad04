"""Frames held while they come a moment apart, then handed on in one piece, in order."""

from __future__ import annotations

import time

import pytest

from screens import hold
from screens.hold import Hold

FIRST = "\x1b[1;1Hthe first screen"  # a frame: it puts the cursor somewhere


def until(check: object, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < end, "nothing was handed on"
        time.sleep(0.005)


def test_frames_that_come_together_go_as_one_when_stopped(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(hold, "QUIET", 60.0)
    monkeypatch.setattr(hold, "LONGEST", 60.0)
    sent: list[str] = []
    held = Hold(sent.append)
    held.start()
    held.write("\x1b[?1049h")  # the terminal's modes, before any frame: at once
    held.write(FIRST)  # the first screen is not kept waiting
    assert sent == ["\x1b[?1049h", FIRST]
    for frame in ("a", "b", "c"):
        held.write(frame)
    assert sent == ["\x1b[?1049h", FIRST]
    held.stop()  # the terminal is being given back: what is held goes first
    assert sent[2:] == ["abc"]
    held.write("d")  # no longer held
    assert sent[2:] == ["abc", "d"]


def test_a_pause_in_the_writing_hands_on_what_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hold, "QUIET", 0.01)
    sent: list[str] = []
    held = Hold(sent.append)
    held.start()
    held.write(FIRST)
    held.write("a")
    held.write("b")
    until(lambda: len(sent) == 2)
    held.write("c")
    until(lambda: len(sent) == 3)
    assert sent == [FIRST, "ab", "c"]
    held.stop()


def test_writing_that_never_pauses_is_still_handed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hold, "QUIET", 60.0)
    monkeypatch.setattr(hold, "LONGEST", 0.05)
    sent: list[str] = []
    held = Hold(sent.append)
    held.start()
    held.write(FIRST)
    end, written = time.monotonic() + 5, 0
    while len(sent) < 2 and time.monotonic() < end:
        held.write("x")
        written += 1
        time.sleep(0.002)
    assert len(sent) == 2, "held for as long as the writing went on"
    held.stop()
    assert "".join(sent[1:]) == "x" * written  # nothing lost, nothing twice


def test_before_it_starts_each_write_goes_at_once() -> None:
    sent: list[str] = []
    held = Hold(sent.append)
    held.write("a")
    assert sent == ["a"]


def test_a_send_that_fails_stops_the_holding_so_the_next_write_fails_where_it_is_seen(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hold, "QUIET", 0.01)
    monkeypatch.setattr("threading.excepthook", lambda args: None)  # the hold's own thread
    sent: list[str] = []

    def send(data: str) -> None:
        if data == "a":
            raise OSError("the terminal is gone")
        sent.append(data)

    held = Hold(send)
    held.start()
    held.write(FIRST)
    held.write("a")
    until(lambda: held._thread is not None and not held._thread.is_alive())
    held.write("b")  # straight through now
    assert sent == [FIRST, "b"]


def test_flush_hands_on_what_is_held_without_waiting_for_a_pause(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hold, "QUIET", 60.0)
    monkeypatch.setattr(hold, "LONGEST", 60.0)
    sent: list[str] = []
    held = Hold(sent.append)
    held.start()
    assert held.write(FIRST) is False  # sent, not held
    assert held.write("a") is True and held.write("b") is True
    held.flush()  # the app has drawn all it had to
    assert sent == [FIRST, "ab"]
    held.flush()  # nothing held: nothing sent
    assert sent == [FIRST, "ab"]
    held.stop()
