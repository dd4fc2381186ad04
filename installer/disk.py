"""Disk trouble told plainly: a full disk (ENOSPC) as such, with where and what to free."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

FULL_FIX = ("Free some space on it (e.g. `docker system prune` for unused images, old "
            "files under /var/log), or give it more, then run cht-install again: it goes "
            "on from where it stopped.")


def nearest(path: Path) -> Path:
    """``path``, or its nearest parent that exists."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def free_bytes(path: Path) -> int | None:
    """Free bytes on the filesystem holding ``path`` (its nearest existing parent)."""
    try:
        return shutil.disk_usage(nearest(path)).free
    except OSError:
        return None


def same_disk(one: Path, other: Path) -> bool:
    """Whether two paths (or their nearest existing parents) are on one filesystem."""
    try:
        return nearest(one).stat().st_dev == nearest(other).stat().st_dev
    except OSError:
        return True


def used_bytes(path: Path) -> int:
    """Bytes the files under ``path`` take (symbolic links not followed)."""
    total = 0
    for top, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(top, name)).st_blocks * 512
            except OSError:
                continue
    return total


def human(size: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "no space left on device" in str(exc).lower()


def explain_os_error(exc: OSError) -> tuple[str, str]:
    """(reason, fix) for an error writing to the disk."""
    where = exc.filename or ""
    if is_disk_full(exc):
        free = free_bytes(Path(where)) if where else None
        left = f" ({human(free)} free)" if free is not None else ""
        place = f"the disk holding {where}" if where else "a disk the installer writes to"
        return f"{place} is full{left}: no space left on device", FULL_FIX
    return (f"{os.strerror(exc.errno) if exc.errno else exc} writing {where}".strip(),
            "Check that the disk is writable (mounted read-write, not failing), then run "
            "cht-install again.")
