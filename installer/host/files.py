"""Files the way the seam writes them: atomically with owner and mode, private appends,
rotation, and secrets masked before anything reaches the log."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# CHT's secret settings as KEY=VALUE (.env, the migration tool's get-env output)
SECRET_SETTING = re.compile(r"\b(COUCHDB_(?:SECRET|PASSWORD)=)[^\s'\"]+")


class Redactor:
    """Replaces known secrets before text reaches a log."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "********")
        # a secret printed by a tool before it could be known (the migration tool's get-env)
        return SECRET_SETTING.sub(r"\1********", text)


def append_private(path: Path, text: str, durable: bool = False) -> None:
    """Append to a root-only (0600) file, made if absent; ``durable``: on the disk before
    returning (a power cut right after keeps it). A full or read-only disk must not stop a
    run: the text is dropped, and the run's outcome still reaches its front end."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except OSError:
        pass


def rotate_past(path: Path, limit: int) -> None:
    """Past ``limit`` bytes the file becomes FILE.1 (the one before is dropped), so that a
    log written for years stays under twice the limit."""
    try:
        if path.stat().st_size > limit:
            os.replace(path, path.with_name(path.name + ".1"))
    except OSError:
        pass


def write_atomically(path: Path, data: bytes, mode: int, uid: int = 0, gid: int = 0) -> None:
    """Write via a temporary file in the same folder, set owner and mode, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        if os.geteuid() == 0:
            os.fchown(fd, uid, gid)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# medic-os's nginx offers only RSA suites with SHA-1 MACs (ECDHE-RSA-AES256-SHA ...) up to
# TLS 1.2, which phones accept and Python's default context refuses: offer them too.
