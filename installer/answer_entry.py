"""What an answer's entry declares (its flag and help, its label and prompt on the settings
screen, its check, whether it is secret), and how the table of entries is read."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from installer.answer_checks import Check

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    key: str = ""  # as in the answers file, dotted where nested (tls.mode): from its place
    flag: str = ""  # "" for an answer only an answers file (or a screen) gives
    help: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None  # the flag's words, where only some are allowed
    # The flag's words for the answer's values, where they differ (yes -> true).
    flag_values: Mapping[str, Any] = field(default_factory=dict)
    switch: bool = False  # a flag with no value that sets the answer to true
    label: str = ""  # the settings screen's short name for it; "" when it has no field
    section: str = ""  # the settings screen's folded part it is in, if any
    prompt: str = ""  # the words above its field on the settings screen
    placeholder: str = ""  # what its empty field says
    check: Check | None = None  # what a valid value is (None: any)
    secret: bool = False  # never compared, shown or logged
    default: Any = None  # from its place (the dataclass field)
    type: type[int] | None = None  # int for a number (from its place); None for the rest

    @property
    def field_id(self) -> str:
        """The settings screen's id of its field (tls.email -> tls-email)."""
        return self.key.replace(".", "-").replace("_", "-")


def answer(default: T, flag: str = "", help: str | None = None, metavar: str | None = None,
           **entry: Any) -> T:
    """A field of the answers' dataclasses, declared with its entry: the one place an
    answer is described (typed as its default, for the type checker)."""
    declared = Answer(flag=flag, help=help, metavar=metavar, **entry)
    made: Any = dataclasses.field(default=default, metadata={"answer": declared})
    return typing.cast(T, made)


def entries(kind: type, prefix: str = "") -> list[Answer]:
    """Each answer of a dataclass of answers, in the file's order, nested ones dotted; its
    key, default and type filled in from where it is declared."""
    hints = typing.get_type_hints(kind)
    found: list[Answer] = []
    for item in dataclasses.fields(kind):
        factory = item.default_factory
        if dataclasses.is_dataclass(factory) and isinstance(factory, type):
            found += entries(factory, f"{prefix}{item.name}.")
            continue
        declared = item.metadata.get("answer") or Answer()
        found.append(dataclasses.replace(
            declared, key=prefix + item.name, default=item.default,
            type=int if hints[item.name] is int else None))
    return found


def dest(flag: str) -> str:
    """The attribute argparse keeps a flag's value in."""
    return flag.lstrip("-").replace("-", "_")


def flag_word(answer: Answer, value: str) -> str:
    """How the flag says an answer's value (true -> yes)."""
    for word, meant in answer.flag_values.items():
        if str(meant).lower() == value.lower():
            return word
    return value
