"""Every answer field refuses bad values with an error naming the field, the value given
and what is expected (the whole table; the end-to-end test runs it through the CLI)."""

from __future__ import annotations

from typing import Any

import pytest

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
