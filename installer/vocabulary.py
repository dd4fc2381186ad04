"""One vocabulary for a status, used the same way on every screen, line and summary:
ok / warning / to change / broken / blocked (the JSON keeps the status values)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from installer.words import count

WORD = {"ok": "ok", "warning": "warning", "needed": "to change", "broken": "broken",
        "blocked": "blocked"}
# The same words, short, where a column of marks is narrow.
MARK = {"ok": "[ ok ]", "warning": "[warn]", "needed": "[todo]", "broken": "[FAIL]",
        "blocked": "[STOP]"}
WIDEST = max(len(word) for word in WORD.values())


def word(status: str) -> str:
    return WORD.get(status, status)


def summary(rows: Iterable[Mapping[str, object]], mark: str = WORD["warning"]) -> str:
    """One line for a whole report: healthy or not, and what is not ok, by word (``mark``:
    how the rows show a warning)."""
    tally: dict[str, int] = {}
    for row in rows:
        status = str(row["status"])
        if status != "ok":
            tally[status] = tally.get(status, 0) + 1
    problems = [f"{tally[s]} {WORD[s]}" for s in ("blocked", "broken", "needed") if s in tally]
    warnings = tally.get("warning", 0)
    if problems:
        extra = f", {count(warnings, 'warning')}" if warnings else ""
        return (f"Not healthy: {', '.join(problems)}{extra}. Run sudo cht-install to repair "
                "what it can.")
    if warnings:
        return f"Healthy, with {count(warnings, 'warning')} (marked {mark} above)."
    return "Healthy: everything is ok."
