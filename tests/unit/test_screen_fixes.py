"""A fix shown on the screens names what to choose or press there, never an answers key or a
flag (those stay in --yes, doctor's text and the JSON); it travels through the journal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from installer.answers import InstallConfig
from installer.events import StepFailed, event_from_dict, event_to_dict
from installer.step import Finding, Status, blocked
from installer.steps.current_stack import cht3_install

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
KEY_OR_FLAG = re.compile(r"--[a-z]|\bcht_version\b|\b[a-z]+\.[a-z_]+:|docker\.source")


class WithCht3:
    """A Docker that holds CHT 3.x: a medic-os container and the medic-data volume."""

    def __init__(self) -> None:
        found = SimpleNamespace(get=lambda name: object())
        self.client = SimpleNamespace(containers=found, volumes=found)

    def docker(self) -> Any:
        return self.client


def test_the_other_lines_refusal_says_on_screen_what_to_choose() -> None:
    ctx: Any = SimpleNamespace(host=WithCht3(),
                               config=InstallConfig(hostname="x.org", cht_version="5.0.2"))
    finding = cht3_install(ctx)
    assert finding is not None and finding.status is Status.BLOCKED
    assert "drop cht_version" in finding.fix  # headless: the answers' words
    assert 'press Esc and choose CHT 3.x under "Which CHT"' in finding.screen_fix
    assert not KEY_OR_FLAG.search(finding.screen_fix), finding.screen_fix


def test_the_screens_words_travel_through_the_journal_and_stay_out_of_plain_json() -> None:
    finding = blocked("why", "set docker.source: official", "choose Docker's own packages")
    back = event_from_dict(json.loads(json.dumps(event_to_dict(StepFailed("a", finding)))))
    assert isinstance(back, StepFailed) and back.finding == finding
    plain = Finding(Status.NEEDED, "why", "the fix")
    assert plain.as_dict() == {"status": "needed", "reason": "why", "fix": "the fix"}
    assert plain.screen_fix == "the fix"  # where both say the same, one text serves


def test_the_done_screens_certificate_advice_names_the_settings_not_flags() -> None:
    from screens.done import CERTIFICATE_NOTE

    for note in CERTIFICATE_NOTE.values():
        assert not KEY_OR_FLAG.search(note), note


def test_compose_v1_refusal_says_on_screen_where_to_choose_dockers_repository(
        tmp_path: Any) -> None:
    from installer.session import Options, Session

    session = Session(Options(
        root=tmp_path, os_release=OS_RELEASE,
        overrides={"hostname": "cht.example.org", "cht_version": "5.0.2",
                   "docker": {"source": "distro"}}))
    found = {step.id: step.finding for step in session.plan()}["compose.available"]
    assert found.status is Status.BLOCKED
    assert "--docker-source official" in found.fix
    assert "choose Docker's own repository under \"Where Docker comes from\"" in found.screen_fix
    assert not KEY_OR_FLAG.search(found.screen_fix), found.screen_fix
