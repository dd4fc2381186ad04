"""A plan made ahead: handed out once made, None when making it failed, not begun for an
unpinned ``latest``."""

from __future__ import annotations

import threading
from pathlib import Path

from installer.answers import InstallConfig
from installer.plan_ahead import Ahead, Preview
from installer.session import Options, Session

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


def test_a_preview_is_handed_out_once_it_is_made() -> None:
    go = threading.Event()
    preview = Preview([], (False, ""), [], 0.0)

    def make(config: InstallConfig) -> Preview:
        go.wait(10)
        return preview

    ahead = Ahead(InstallConfig(hostname="cht.example.org"), make)
    assert ahead.ready() is None  # still being made
    go.set()
    assert ahead.wait() is preview and ahead.ready() is preview


def test_a_preview_that_failed_is_none_and_made_again_where_it_is_needed() -> None:
    def make(config: InstallConfig) -> Preview:
        raise RuntimeError("Docker went away")

    ahead = Ahead(InstallConfig(hostname="cht.example.org"), make)
    assert ahead.wait() is None and ahead.ready() is None


def test_only_the_same_answers_get_the_preview_and_latest_is_not_planned_ahead(
    tmp_path: Path
) -> None:
    session = Session(Options(root=tmp_path, os_release=OS_RELEASE,
                              overrides={"hostname": "cht.example.org"}))
    session.preview_ahead(session.config.with_changes(cht_version="latest"))
    assert session.ahead is None  # pinned only when the answers are taken
    session.preview_ahead(session.config)
    made = session.preview_made(wait=True)
    assert made is not None and [s.title for s in made.planned] == list(
        session.step_titles().values())
    session.config = session.config.with_changes(hostname="other.example.org")
    assert session.preview_made(wait=True) is None
