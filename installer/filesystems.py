"""Whether CHT's data survives a power cut: the filesystem holding it (findmnt) and whether
it keeps a journal or copies on write (for ext3/ext4, the filesystem's own header)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from installer.host import Host

# Filesystems that come back consistent after a power cut without a full check: a journal
# replayed at mount, or copy-on-write trees.
JOURNALED = {"ext3", "ext4", "xfs", "jfs", "reiserfs", "nilfs2", "f2fs"}
COPY_ON_WRITE = {"btrfs", "zfs", "bcachefs"}
IN_MEMORY = {"tmpfs", "ramfs"}
# Filesystems without a journal: after a power cut the disk needs a full check, and files
# being written (CouchDB's) can be left damaged.
NO_JOURNAL = {"ext2", "vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk", "hfsplus",
              "minix"}
EXT_FAMILY = {"ext2", "ext3", "ext4"}


@dataclass(frozen=True)
class Holder:
    """The filesystem a path is on: its type, its device (or source), and whether it
    survives a power cut (True, False, or None when this machine cannot tell)."""

    fstype: str
    source: str
    survives: bool | None
    why: str


def mounted_at(host: Host, path: Path) -> tuple[str, str] | None:
    """(filesystem type, source) of the mount holding ``path``; None when findmnt cannot
    say."""
    found = host.query(["findmnt", "--noheadings", "--pairs", "--output", "FSTYPE,SOURCE",
                        "--target", str(path)])
    if not found.ok or not found.stdout.strip():
        return None
    fields = dict(word.split("=", 1) for word in shlex.split(found.stdout.splitlines()[0])
                  if "=" in word)
    fstype = fields.get("FSTYPE", "")
    return (fstype, fields.get("SOURCE", "").split("[")[0]) if fstype else None


def ext_journal(host: Host, device: str) -> bool | None:
    """Whether an ext2/3/4 filesystem keeps a journal: its header (dumpe2fs), else the
    kernel's list of running journals; None when neither can be read here."""
    header = host.query(["dumpe2fs", "-h", device], timeout=30)
    for line in header.stdout.splitlines() if header.ok else []:
        if line.startswith("Filesystem features:"):
            return "has_journal" in line.split(":", 1)[1].split()
    journals = host.query(["ls", "/proc/fs/jbd2"])
    name = Path(device).resolve().name
    if journals.ok and any(entry.rsplit("-", 1)[0] == name
                           for entry in journals.stdout.split()):
        return True
    return None


def holder(host: Host, path: Path) -> Holder | None:
    """The filesystem holding ``path`` and whether it survives a power cut."""
    mount = mounted_at(host, path)
    if mount is None:
        return None
    fstype, source = mount
    on = f"{fstype} on {source}" if source.startswith("/dev/") else fstype
    if fstype in EXT_FAMILY and source.startswith("/dev/"):
        journal = ext_journal(host, source)
        if journal is True:
            return Holder(fstype, source, True, f"{on}, which keeps a journal")
        if journal is False:
            return Holder(fstype, source, False, f"{on}, made without a journal")
        return Holder(fstype, source, None,
                      f"{on}; cht-install could not read whether it keeps a journal")
    if fstype in JOURNALED:
        return Holder(fstype, source, True, f"{on}, which keeps a journal")
    if fstype in COPY_ON_WRITE:
        return Holder(fstype, source, True, f"{on}, which copies on write")
    if fstype in IN_MEMORY:
        return Holder(fstype, source, False, f"{fstype}, which is in memory only: a power "
                                             "cut or a reboot empties it")
    if fstype in NO_JOURNAL:
        return Holder(fstype, source, False, f"{on}, which keeps no journal")
    return Holder(fstype, source, None, f"{on} (network, shared or container storage); "
                                        "cht-install cannot tell how it survives a power cut")
