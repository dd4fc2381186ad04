"""A fix shown on the screens names what to choose or press there, never an answers key or a
flag (those stay in --yes, doctor's text and the JSON); it travels through the journal."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from installer.answers import InstallConfig
from installer.events import StepFailed, event_from_dict, event_to_dict
from installer.lines.current.steps import other_line_install
from installer.paths import Paths
from installer.setting_names import FIELD_LABELS, flag
from installer.step import Finding, Status, StepError, blocked

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
KEY_OR_FLAG = re.compile(r"--[a-z]|\bcht_version\b|\b[a-z]+\.[a-z_]+:|docker\.source")


class WithCht3:
    """A Docker that holds CHT 3.x: a medic-os container and the medic-data volume."""

    def __init__(self) -> None:
        found = SimpleNamespace(get=lambda name: object())
        self.client = SimpleNamespace(containers=found, volumes=found)

    def docker(self) -> Any:
        return self.client

    def read_text(self, path: Path) -> str | None:
        return None  # no migration's note


def test_the_other_lines_refusal_says_on_screen_what_to_choose() -> None:
    ctx: Any = SimpleNamespace(host=WithCht3(), paths=Paths.under("/nonexistent"),
                               config=InstallConfig(hostname="x.org", cht_version="5.0.2"))
    finding = other_line_install(ctx)
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


def test_a_marked_fix_is_said_with_keys_and_flags_for_commands_and_labels_for_screens() -> None:
    finding = blocked("why", "Point [[tls.key]] at the key, or use [[docker.source=distro]].")
    assert finding.fix == ("Point tls.key (--tls-key) at the key, or use `docker.source: "
                           "distro` in the answers (or --docker-source distro).")
    assert finding.screen_fix == ("Point \"Key file\" (Settings) at the key, or use \"Where "
                                  "Docker comes from\" (Settings, More settings): this OS's "
                                  "own packages.")
    assert "[[" not in json.dumps(finding.as_dict())
    secret = StepError("why", "Give it: [[tls.password]].")
    assert secret.fix == "Give it: tls.password in an answers file."
    assert secret.on_screen == 'Give it: "Password of the PFX or key" (Settings).'


def test_every_flag_a_fix_names_is_one_the_command_line_takes() -> None:
    from installer.cli import parser

    taken = {option for action in parser()._actions for option in action.option_strings}
    for key in FIELD_LABELS:
        assert flag(key) == "" or flag(key) in taken, key
    assert {key for key in FIELD_LABELS if flag(key) == ""} == {
        "admin_password", "tls.password", "data"}


# Texts that name an answers key or a flag without [[...]] marks, each for a reason: said
# only by a command (never on a screen), or given with its screens' words beside it.
UNMARKED = {
    ("installer/backup.py", "Free space, lower backup.keep"): "backup's own command",
    ("installer/backup_command.py", " older backup(s) (backup.keep is "): "backup's own command",
    ("installer/health_check.py", "No alerts are set up: set"): "health-check's own command",
    ("installer/doctor_checks.py", "For real use, switch to a"): "TRUSTED_ON_SCREEN beside it",
    ("installer/doctor_checks.py", "Turn on nightly backups: `sudo"): "screen words beside it",
    ("installer/doctor_checks.py", "Set a webhook (ntfy, Slack"): "screen words beside it",
    ("installer/lines/current/steps.py", "drop cht_version or give"): "on_screen beside it",
    ("installer/lines/cht3/steps.py", "Keep the current line: set"): "on_screen beside it",
    ("installer/session.py", "cht_version: latest is "): "the log's own line",
}
# Where the answers' own words belong: the answers file, the command line, and these tables.
ANSWERS_MODULES = ("answers.py", "cli.py", "arguments.py", "setting_names.py",
                   "answer_changes.py")


def unmarked_mentions() -> set[tuple[str, str]]:
    """Each string in installer/ (docstrings aside) naming an answers key (dotted or with an
    underscore) or its flag, without marks."""
    names = [key for key in FIELD_LABELS if "." in key or "_" in key]
    names += [flag(key) for key in FIELD_LABELS if flag(key)]
    mention = re.compile("|".join(rf"(?<![\w.-]){re.escape(name)}(?![\w-])"
                                  for name in sorted(names, key=len, reverse=True)))
    found = set()
    for path in sorted(Path("installer").rglob("*.py")):
        if path.name in ANSWERS_MODULES:
            continue
        tree = ast.parse(path.read_text())
        docs = {id(node.body[0].value) for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs and "[[" not in node.value
                    and " " in node.value and mention.search(node.value)):
                found.add((str(path), node.value))
    return found


def test_no_fix_names_an_answers_key_or_flag_where_a_screen_would_show_it() -> None:
    found = unmarked_mentions()
    unexplained = [(path, text) for path, text in found
                   if not any(path == where and text.startswith(start)
                              for where, start in UNMARKED)]
    assert not unexplained, unexplained
    stale = [place for place in UNMARKED
             if not any(path == place[0] and text.startswith(place[1]) for path, text in found)]
    assert not stale, stale  # the list names only texts that still exist


def test_the_checklist_on_a_screen_gives_each_next_step_in_the_screens_words(
        tmp_path: Any) -> None:
    from installer.considerations import checklist
    from installer.doctor_checks import Check
    from installer.paths import Paths
    from installer.step import warning

    row = Check("data.backup", "A recent backup", warning(
        "no backup", "Turn them on: [[backup.dir]].")).as_dict()
    report: dict[str, object] = {"steps": [], "checks": [row]}
    paths = Paths.under(tmp_path)

    def backups(on_screen: bool) -> str:
        items = checklist(report, paths, "self-signed", on_screen=on_screen)
        return next(item.text for item in items if item.topic == "Backups")

    assert backups(True) == ('no backup (to do: Turn them on: "Nightly backups folder" '
                             '(Settings, After the install).)')
    assert backups(False) == "no backup (to do: Turn them on: backup.dir (--backup-dir).)"
