"""CHT's releases: the release table's ends of life, `cht_version: latest` asked of the
build server's releases view (the stand-in server, over real HTTP), and saved answers with
a medic-os tag cht-install once made up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from installer import answers
from installer.answers import AnswersError, from_mapping
from installer.host import RealHost
from installer.lines.current import releases
from installer.session import pin_latest
from tests.buildserver import build_server


def test_each_minor_ends_as_chts_release_table_says() -> None:
    on = dt.date(2026, 12, 3)
    past = releases.support("5.0.2", on)
    assert past is not None and past.past and past.family == "5.0.x"
    assert past.minor is not None and past.minor.end_of_life == dt.date(2026, 5, 26)
    still = releases.support("5.1.3", dt.date(2026, 9, 26))
    assert still is not None and not still.past  # the last day is inside the window
    assert releases.support("5.1.3", dt.date(2026, 9, 27)).past  # type: ignore[union-attr]
    assert releases.support("latest", on) is None
    newer = releases.support("5.3.0", on)
    assert newer is not None and newer.minor is None and not newer.past
    assert releases.supported_release(on) == "5.2.0"
    assert releases.supported_release(dt.date(2026, 9, 1)) == "5.2.0"
    assert releases.read_on() == "2026-12-02"


def test_the_notice_says_past_supported_or_newer_than_the_table() -> None:
    on = dt.date(2026, 12, 3)
    said, past = releases.notice("4.22.0", on) or ("", "")
    assert past == "CHT 4.22.x is past its end of life (since 20 November 2026, CHT's " \
        "release table)"
    assert said.startswith(f"Note: {past}: no more fixes") and "CHT 5.2.0 is supported" in said
    said, past = releases.notice("4.22.0", dt.date(2026, 11, 20)) or ("", "x")
    assert past == "" and said.startswith("CHT 4.22.x is supported (until 20 November 2026")
    said, past = releases.notice("5.3.1", on) or ("", "x")
    assert past == "" and "newer than CHT's release table" in said


def test_latest_is_the_newest_release_the_build_server_lists(tmp_path: Path) -> None:
    # betas and a major this cht-install does not serve are not taken
    with build_server(tmp_path, "4.22.0", "5.0.2", "5.10.1", "5.11.0-beta.1", "6.0.0",
                      "5.9.9") as url:
        pinned = pin_latest(from_mapping({"hostname": "cht.example.org",
                                          "cht_version": "latest", "builds_url": url}),
                            RealHost(Path("/dev/null"), 1))
    assert pinned.line == "current" and pinned.cht_version == "5.10.1"
    assert pin_latest(pinned, RealHost(Path("/dev/null"), 1)) is pinned  # a number stays
    # the saved answers name the number, so a later run does not move by itself
    assert yaml.safe_load(answers.dump(pinned))["cht_version"] == "5.10.1"


def test_latest_from_a_build_server_that_does_not_answer_names_what_to_do(
        tmp_path: Path) -> None:
    with build_server(tmp_path) as url, pytest.raises(AnswersError) as empty:
        pin_latest(from_mapping({"hostname": "cht.example.org", "cht_version": "latest",
                                 "builds_url": url}), RealHost(Path("/dev/null"), 1))
    assert "lists no 4.x or 5.x release" in str(empty.value)
    gone = from_mapping({"hostname": "cht.example.org", "cht_version": "latest",
                         "builds_url": "http://127.0.0.1:9/_couch/builds_4"})
    with pytest.raises(AnswersError) as refused:
        pin_latest(gone, RealHost(Path("/dev/null"), 1))
    assert "did not say which release is the newest (connection refused)" in str(
        refused.value)
    assert "a release number such as 5.2.0" in str(refused.value)
    assert "Errno" not in str(refused.value)


def test_a_medic_os_tag_made_up_from_a_cht_release_goes_back_to_the_final_image() -> None:
    made_up = {"hostname": "cht.example.org", "cht_version": "3.17.0",
               "images": {"medic_os": "medicmobile/medic-os:cht-3.17.0"}}
    assert from_mapping(made_up).images.medic_os == "medicmobile/medic-os:cht-3.9.0-rc.2"
    # medic-os's own tags (-rc.N) and a mirror's image are the operator's, and stay
    real = {"hostname": "cht.example.org", "cht_version": "3.7.0-rc.1",
            "images": {"medic_os": "medicmobile/medic-os:cht-3.7.0-rc.1"}}
    assert from_mapping(real).images.medic_os == "medicmobile/medic-os:cht-3.7.0-rc.1"
    mirror = {"hostname": "cht.example.org", "cht_version": "3.17.0",
              "images": {"medic_os": "mirror.example.org/medic-os:cht-3.17.0"}}
    assert from_mapping(mirror).images.medic_os == "mirror.example.org/medic-os:cht-3.17.0"
