"""Who holds the package manager's lock (e.g. unattended-upgrades on a fresh cloud VM)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from installer.host import Host

DPKG_LOCKS = (
    "/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock",
    "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock",
)


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str
    path: str

    def describe(self) -> str:
        return f"{self.name} (pid {self.pid}) holds {self.path}"


def lock_ids(proc_locks: str) -> dict[str, int]:
    """'major:minor:inode' -> pid, from the text of /proc/locks (device numbers in hex)."""
    held: dict[str, int] = {}
    for line in proc_locks.splitlines():
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        if len(fields) >= 6 and fields[1] in ("POSIX", "FLOCK", "OFDLCK"):
            major, minor, inode = fields[5].split(":")
            held[f"{int(major, 16)}:{int(minor, 16)}:{inode}"] = int(fields[4])
    return held


def find_holder(host: Host, paths: tuple[str, ...] = DPKG_LOCKS) -> Holder | None:
    if not host.live:
        return None
    held = lock_ids(host.read_text(Path("/proc/locks")) or "")
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        pid = held.get(f"{os.major(info.st_dev)}:{os.minor(info.st_dev)}:{info.st_ino}")
        if pid is not None and pid > 0:
            name = (host.read_text(Path(f"/proc/{pid}/comm")) or "?").strip()
            return Holder(pid, name, path)
    return None
