"""An upgrade made outside cht-install (CHT's admin app, through the upgrade service, which
rewrites the compose files): the answers follow the release that runs, and never go back."""

from __future__ import annotations

from pathlib import Path

import yaml

from installer.session import Options, Session

CORE = """services:
  api:
    image: public.ecr.aws/medic/cht-api:{version}
"""


def server(root: Path, answered: str, running: str) -> Path:
    saved = root / "etc/cht-install/answers.yml"
    saved.parent.mkdir(parents=True)
    saved.write_text(yaml.safe_dump({"hostname": "cht.example.org", "cht_version": answered}))
    compose = root / "opt/cht/compose/cht-core.yml"
    compose.parent.mkdir(parents=True)
    compose.write_text(CORE.format(version=running))
    return root


def test_the_answers_follow_a_release_the_admin_app_installed(tmp_path: Path) -> None:
    session = Session(Options(root=server(tmp_path, "5.0.2", "5.2.0")))
    assert session.config.version == "5.2.0" and session.followed == ("5.0.2", "5.2.0")
    assert "newer than the answers' 5.0.2" in (tmp_path / "var/log/cht-install.log").read_text()


def test_an_upgrade_the_answers_ask_for_is_not_undone(tmp_path: Path) -> None:
    session = Session(Options(root=server(tmp_path, "5.2.0", "5.0.2")))
    assert session.config.version == "5.2.0" and session.followed is None


def test_asking_for_an_older_release_than_runs_does_not_go_back(tmp_path: Path) -> None:
    asked = Options(root=server(tmp_path, "5.2.0", "5.2.0"), overrides={"cht_version": "5.0.2"})
    session = Session(asked)
    assert session.config.version == "5.2.0" and session.followed == ("5.0.2", "5.2.0")
