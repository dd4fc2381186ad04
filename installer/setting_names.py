"""A fix written once with [[key]] marks, said both ways: with the answer's key and flag
(for --yes, doctor and the JSON), and with its label and place on the settings screen (the
names come from the answers' entries, answers.py)."""

from __future__ import annotations

import re

from installer.answer_entry import flag_word
from installer.answers import ANSWERS, BY_KEY

# Each answer a person can change on the settings screen, by the label it has there (the
# settings' errors use the same labels), and the folded part it is in (answers.py).
FIELD_LABELS = {answer.key: answer.label for answer in ANSWERS if answer.label}
SECTIONS = {answer.key: answer.section for answer in ANSWERS if answer.section}
MODE_WORDS = {"self-signed": "self-signed", "own": "my own certificate files",
              "letsencrypt": "Let's Encrypt"}
SOURCE_WORDS = {"official": "Docker's own repository", "distro": "this OS's own packages"}
VALUE_WORDS = {"tls.mode": MODE_WORDS, "docker.source": SOURCE_WORDS,
               "updates.automatic": {"true": "ticked", "false": "not ticked"}}
MARK = re.compile(r"\[\[([a-z_.]+)(?:=([^\]]+))?\]\]")


def flag(key: str) -> str:
    """The command-line flag that sets an answer ("" for one only an answers file gives)."""
    return BY_KEY[key].flag if key in BY_KEY else ""


def value_words(key: str, value: str) -> str:
    return VALUE_WORDS.get(key, {}).get(value, value)


def for_commands(text: str) -> str:
    """[[key]] as the answers key with its flag; [[key=value]] as both with the value."""
    def said(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        option = flag(key)
        if value is None:
            return f"{key} ({option})" if option else f"{key} in an answers file"
        if not option:
            return f"`{key}: {value}` in an answers file"
        given = flag_word(BY_KEY[key], value)
        return f"`{key}: {value}` in the answers (or {option} {given})"
    return MARK.sub(said, text)


def for_screens(text: str) -> str:
    """[[key]] as the settings' label and where it is; [[key=value]] with the choice."""
    def shown(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        where = f"Settings, {SECTIONS[key]}" if key in SECTIONS else "Settings"
        label = f"\"{FIELD_LABELS.get(key, key)}\" ({where})"
        return label if value is None else f"{label}: {value_words(key, value)}"
    return MARK.sub(shown, text)


def both_ways(text: str) -> tuple[str, str]:
    """A fix for commands and for screens ("" for screens when it names no answer)."""
    if not MARK.search(text):
        return text, ""
    return for_commands(text), for_screens(text)
