"""Each answer is declared once, where its value lives (installer/answers.py), and the
loader's checks, the command line, the settings form, the settings' names in fixes and what
"You changed" compares are made from those entries."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import pytest

from installer.answer_changes import SECRET
from installer.answer_entry import answer, dest, entries, flag_word
from installer.answers import (
    ANSWERS,
    BY_KEY,
    AnswersError,
    InstallConfig,
    from_mapping,
    overrides_from,
)
from installer.cli import options_from, parser
from installer.setting_names import FIELD_LABELS, flag


def leaf_keys(value: Any, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for item in fields(value):
        inner = getattr(value, item.name)
        keys += (leaf_keys(inner, f"{prefix}{item.name}.") if is_dataclass(inner)
                 else [prefix + item.name])
    return keys


def test_every_answer_of_the_answers_file_is_declared_once() -> None:
    assert sorted(BY_KEY) == sorted(leaf_keys(InstallConfig()))
    assert len(BY_KEY) == len(ANSWERS)


def test_every_flag_the_table_declares_is_one_the_command_line_takes_and_sets() -> None:
    taken = {option for action in parser()._actions for option in action.option_strings}
    for entry in ANSWERS:
        assert entry.flag == "" or entry.flag in taken, entry.key
        assert flag(entry.key) == entry.flag
    given = parser().parse_args(["--hostname", "cht.example.org", "--backup-keep", "3",
                                 "--automatic-updates", "no", "--accept-warnings"])
    config = from_mapping({k: v for k, v in options_from(given).overrides.items()
                           if v is not None and not isinstance(v, dict)})
    assert config.hostname == "cht.example.org" and config.accept_warnings is True
    nested = overrides_from(vars(given))
    assert nested["backup"]["keep"] == 3 and nested["updates"]["automatic"] is False
    assert flag_word(BY_KEY["updates.automatic"], "false") == "no"
    assert dest("--alerts-every") == "alerts_every"


def test_an_optional_answer_given_empty_on_the_command_line_is_removed(
        tmp_path: Any) -> None:
    from installer.paths import Paths
    from installer.session import Options, resolve_config

    paths = Paths.under(tmp_path)
    paths.answers.parent.mkdir(parents=True, exist_ok=True)
    paths.answers.write_text("hostname: cht.example.org\nbackup:\n  dir: /var/backups/cht\n"
                             "alerts:\n  webhook: https://ntfy.example.org/cht\n")
    given = options_from(parser().parse_args(["--backup-dir", ""]))
    config = resolve_config(Options(overrides=given.overrides), paths)
    assert config.backup.dir is None  # turned off, as an empty settings field does
    assert config.alerts.webhook == "https://ntfy.example.org/cht"  # not given: kept
    # an answer that must have a value is still refused empty, saying what it takes
    with pytest.raises(AnswersError):
        resolve_config(Options(overrides=options_from(parser().parse_args(
            ["--hostname", ""])).overrides), paths)


def test_the_settings_names_and_the_secrets_come_from_the_table() -> None:
    assert FIELD_LABELS["tls.key"] == BY_KEY["tls.key"].label == "Key file"
    assert set(SECRET) == {"admin_password", "tls.password"}
    assert all(flag(key) == "" for key in SECRET)  # a secret is never a flag


def test_the_help_is_as_recorded(monkeypatch: Any) -> None:
    """The options, their order and their words are a contract: made from the table now,
    they read exactly as recorded before it (tests/data/help.txt)."""
    import contextlib
    import io
    from pathlib import Path

    monkeypatch.setenv("COLUMNS", "80")  # as recorded, whatever the terminal running this
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        parser().parse_args(["--help"])
    recorded = (Path(__file__).parent.parent / "data/help.txt").read_text()
    assert out.getvalue() == recorded


def nested(key: str, value: Any) -> dict[str, Any]:
    """An answers mapping giving one answer by its dotted key."""
    *parents, leaf = key.split(".")
    given: dict[str, Any] = {leaf: value}
    for parent in reversed(parents):
        given = {parent: given}
    return given


@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_each_answers_own_check_refuses_a_value_of_the_wrong_kind(key: str) -> None:
    """The loader's validation is each entry's check: a list where text, a number or a
    yes/no belongs is refused, naming the answer, and a secret without its value."""
    given = {"hostname": "cht.example.org", **nested(key, ["x", 1])}
    with pytest.raises(AnswersError) as refused:
        from_mapping(given)
    assert refused.value.field == key
    assert (refused.value.value == "********") is BY_KEY[key].secret


def test_each_default_passes_its_own_check_but_the_host_name_must_be_given() -> None:
    for entry in ANSWERS:
        assert entry.check is not None, entry.key
        verdict = entry.check(entry.default)
        assert (verdict is None) is (entry.key != "hostname"), (entry.key, verdict)


def test_a_new_answer_is_one_entry_its_key_default_and_type_from_its_place() -> None:
    @dataclass(frozen=True)
    class Extra:
        rounds: int = answer(3, "--rounds", "how many", "N", label="Rounds")
        name: str | None = answer(None, check=lambda v: None if v is None else "nothing")

    made = entries(Extra, "extra.")
    assert [(e.key, e.default, e.type, e.flag, e.label) for e in made] == [
        ("extra.rounds", 3, int, "--rounds", "Rounds"), ("extra.name", None, None, "", "")]
    assert Extra().rounds == 3 and made[1].check and made[1].check("x") == "nothing"


def test_every_field_of_the_settings_form_is_an_answer_with_its_prompt() -> None:
    from screens.settings import FORM_FIELDS, MODE_FIELDS

    typed = {*FORM_FIELDS, *(key for keys in MODE_FIELDS.values() for key in keys)}
    for key in typed:
        assert BY_KEY[key].prompt and BY_KEY[key].label, key
    # The answers with a label on the screens but no typed field are chosen, not typed.
    chosen = {"admin_password", "tls.mode", "docker.source", "docker.group_user",
              "updates.automatic"}
    assert {e.key for e in ANSWERS if e.label} == typed | chosen
