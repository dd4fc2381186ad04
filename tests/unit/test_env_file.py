"""The .env line compose reads the admin password from. Compose v2 (a Go program) cannot
run here: its reading of a single-quoted value is taken from compose-go's
dotenv/parser.go (extractVarValue: up to the next quote not preceded by a backslash; no
escapes, no ${} expansion) and checked on compose-go's own fixture (dotenv/fixtures/
quoted.env, expected values from its godotenv_test.go). Compose v1 is run for real in
tests/e2e/test_medic_os.py."""

from __future__ import annotations

import pytest

from installer.answers import password_problem
from installer.lines.cht3.files import env_line, env_quoted, password_from_env, render_env


def compose_v2_single_quoted(line: str) -> str:
    """compose-go's value for KEY='...' (the branch of extractVarValue for a single quote)."""
    value = line.split("=", 1)[1].lstrip(" \t")
    assert value[0] == "'"
    for i in range(1, len(value)):
        if value[i] == "'" and value[i - 1] != "\\":
            return value[:i].strip("'")
    raise ValueError("unterminated quoted value")


def test_the_port_agrees_with_compose_gos_own_fixture() -> None:
    recorded = {"OPTION_A='1'": "1", "OPTION_C=''": "", "OPTION_D='\\n'": "\\n"}
    for line, expected in recorded.items():
        assert compose_v2_single_quoted(line) == expected


@pytest.mark.parametrize("password", [
    "pa$s w#rd $HOME 100%", "a$b$c#d e", "#start$", "semi;colon&amp|pipe", "ünïcödé-pässwörd",
])
def test_passwords_medic_os_takes_reach_it_unchanged(password: str) -> None:
    assert password_problem(password) is None
    line = env_line(password)
    assert compose_v2_single_quoted(line) == password
    assert password_from_env(render_env(password)) == password
    assert env_quoted(render_env(password))


@pytest.mark.parametrize(("password", "words"), [
    ('say"cheese', "a double quote"), ("back\\slash", "a backslash"),
    ("it's-mine-now", "a single quote"), (" padded ", "spaces at the start or the end"),
    ("new\nline-here", "control characters"),
    ("a${HOME}-b", "${ is not allowed: docker-compose v1"),
])
def test_passwords_that_would_change_on_the_way_are_refused_with_why(password: str,
                                                                      words: str) -> None:
    problem = password_problem(password)
    assert problem is not None and words in problem


def test_an_env_file_of_an_earlier_version_is_read_and_rewritten_quoted() -> None:
    legacy = "# Written by cht-install\nDOCKER_COUCHDB_ADMIN_PASSWORD=abc123-XYZ_def\n"
    assert password_from_env(legacy) == "abc123-XYZ_def"
    assert not env_quoted(legacy)
