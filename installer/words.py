"""The words people read: one vocabulary for a status (ok / warning / to change / broken /
blocked; the JSON keeps the status values), counts, and errors told in words a non-expert
can act on, never a library's own text (pure)."""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterable, Mapping

UNEXPECTED = "an unexpected error inside cht-install"


def explain(exc: BaseException) -> str:
    """What went wrong, in plain words (the log keeps the exception itself)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the certificate was not accepted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return "the secure connection (TLS) could not be set up: the two sides share no " \
               "protocol version or cipher, or the server closed it"
    if isinstance(exc, ConnectionRefusedError):
        return "nothing is listening there (connection refused)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "the other side closed the connection at once"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "the name does not resolve (DNS)"
    if isinstance(exc, PermissionError):
        where = f" on {exc.filename}" if exc.filename else ""
        return f"permission denied{where} (run cht-install with sudo)"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename or 'a file'} does not exist"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return UNEXPECTED


def count(number: int, thing: str, things: str | None = None) -> str:
    """ "1 step", "3 steps": never "step(s)"."""
    return f"{number} {thing if number == 1 else (things or thing + 's')}"


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
