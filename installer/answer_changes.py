"""What differs from the answers this server last ran with, said in the settings' words."""

from __future__ import annotations

from typing import Any

from installer.answers import ANSWERS, InstallConfig, value_at
from installer.setting_names import FIELD_LABELS, MODE_WORDS, SOURCE_WORDS

SECRET = tuple(answer.key for answer in ANSWERS if answer.secret)



def shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "(not set)"
    if field == "tls.mode":
        return MODE_WORDS.get(str(value), str(value))
    if field == "docker.source":
        return SOURCE_WORDS.get(str(value), str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def answer_changes(before: InstallConfig | None, after: InstallConfig) -> list[str]:
    """One line per answer that differs ("Host name: cht.test -> q"); none on a fresh
    server (no answers saved yet)."""
    if before is None:
        return []
    lines = []
    for field, label in FIELD_LABELS.items():
        if field in SECRET:
            continue
        if field == "cht_version":
            old, new = before.version, after.version
        else:
            old, new = value_at(before, field), value_at(after, field)
        if shown(field, old) != shown(field, new):
            lines.append(f"{label}: {shown(field, old)} -> {shown(field, new)}")
    return lines
