"""Every answer field refuses bad values with an error naming the field, the value given
and what is expected (the whole table; the end-to-end test runs it through the CLI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from installer.answers import AnswersError, check_files, from_mapping
from tests.bad_answers import BAD_ANSWERS, answers_for

IDS = [f"{field}={list(fragment.values())[-1]!r}"[:60] for field, fragment, _ in BAD_ANSWERS]


@pytest.mark.parametrize(("field", "fragment", "expected"), BAD_ANSWERS, ids=IDS)
def test_a_bad_answer_is_refused_naming_field_value_and_expectation(
    field: str, fragment: dict[str, Any], expected: str
) -> None:
    with pytest.raises(AnswersError) as raised:
        check_files(from_mapping(answers_for(fragment)))
    error = raised.value
    assert error.field == field
    assert expected in str(error)
    if field != "admin_password":  # a password, even a bad one, is never echoed
        assert repr(error.value) in str(error)
    else:
        assert str(fragment["admin_password"]) not in str(error)


def test_every_answer_field_has_bad_values_in_the_table() -> None:
    config = from_mapping({"hostname": "cht.example.org"}).to_mapping(keep_secrets=True)
    fields = {f"{key}.{sub}" if isinstance(value, dict) else key
              for key, value in config.items()
              for sub in (value if isinstance(value, dict) else [None])}
    tested = {field for field, _, _ in BAD_ANSWERS}
    assert fields - tested == set()


def test_good_answers_pass() -> None:
    config = check_files(from_mapping(answers_for(
        {"tls": {"mode": "own", "certificate": "/etc/hostname", "password": "pfx-secret"},
         "registry": "127.0.0.1:5000", "docker": {"group_user": "ubuntu"}})))
    assert config.tls.certificate == "/etc/hostname"


def test_no_bad_answer_gets_a_traceback_from_the_real_command(tmp_path: Path) -> None:
    """The whole table through `cht-install --dry-run --answers FILE`: exit 2, the field
    named, never a traceback or an exception's repr."""
    for index, (field, fragment, expected) in enumerate(BAD_ANSWERS):
        answers = tmp_path / f"answers-{index}.yml"
        answers.write_text(yaml.safe_dump(answers_for(fragment)))
        done = subprocess.run(
            [sys.executable, "-m", "installer.cli", "--dry-run", "--answers", str(answers),
             "--root", str(tmp_path / f"root-{index}")],
            capture_output=True, text=True, check=False)
        said = done.stdout + done.stderr
        assert done.returncode == 2, (field, said)
        assert f"bad answer: {field}: " in said and expected in said, said
        assert "Traceback" not in said and "Error(" not in said and "Error:" not in said, said
