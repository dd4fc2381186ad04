"""Each answer is declared once (installer/answer_table.py), and the command line, the
settings' names in fixes and what "You changed" compares are made from that table."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from installer.answer_changes import SECRET
from installer.answer_table import ANSWERS, BY_KEY, dest, flag_word, overrides_from
from installer.answers import InstallConfig, from_mapping
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
    for answer in ANSWERS:
        assert answer.flag == "" or answer.flag in taken, answer.key
        assert flag(answer.key) == answer.flag
    given = parser().parse_args(["--hostname", "cht.example.org", "--backup-keep", "3",
                                 "--automatic-updates", "no", "--accept-warnings"])
    config = from_mapping({k: v for k, v in options_from(given).overrides.items()
                           if v is not None and not isinstance(v, dict)})
    assert config.hostname == "cht.example.org" and config.accept_warnings is True
    nested = overrides_from(vars(given))
    assert nested["backup"]["keep"] == 3 and nested["updates"]["automatic"] is False
    assert flag_word(BY_KEY["updates.automatic"], "false") == "no"
    assert dest("--alerts-every") == "alerts_every"


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
