"""Backups of CHT's data that restore: one checksummed archive holding the data, the
secrets (.env), the saved answers and the certificate; written atomically, rotated, and
recorded so that doctor knows the last good one.

How the data is copied (said in the manifest): while CHT runs, as CHT's backup guide copies
`couchdb/` and `.env`. CouchDB's files are append-only, so a copy taken while it writes is
what CouchDB would find after a power cut, which it is built to recover from; database files
(`*.couch`) are copied before view indexes, as CouchDB's own backup advice says, so that no
index is newer than its database. Nothing is stopped: phones keep syncing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from installer.host import write_atomically
from installer.paths import Paths

FORMAT = 1
MANIFEST = "cht-backup.json"
DEFAULT_DIR = "/var/backups/cht"
SUFFIX = ".tar.gz"
METHOD = ("copied while CHT runs, as CHT's backup guide does: CouchDB's files are "
          "append-only, so the copy is what CouchDB recovers from after a power cut; "
          "database files first, then view indexes (CouchDB's advice)")
# Room the disk must keep after a backup (share of the disk): a backup never fills it.
KEEP_FREE = 0.05
CHUNK = 1 << 20

Progress = Callable[[int, int, str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on: what is wrong, and what to do."""

    def __init__(self, reason: str, fix: str = "", untouched: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix
        # Nothing on the server was changed before this (a refusal, a damaged backup).
        self.untouched = untouched


@dataclass(frozen=True)
class Part:
    """A place on this server that a backup holds, under one name in the archive."""

    name: str      # in the archive: data, cht, answers.yml, tls, acme
    path: Path     # on this server
    skip: tuple[Path, ...] = ()  # below path, held under another name (data inside cht)


def parts(paths: Paths, data: Path) -> list[Part]:
    """What a backup holds: CHT's data, then everything a restore needs besides it."""
    return [Part("data", data),
            Part("cht", paths.cht_dir, (data,)),
            Part("answers.yml", paths.answers),
            Part("tls", paths.tls_dir),
            Part("acme", paths.acme_account_key.parent)]


def backup_dir(configured: str | None, root: Path) -> Path:
    return root / (configured or DEFAULT_DIR).lstrip("/")


def record_path(paths: Paths) -> Path:
    """The record of the last good backup (doctor reads it)."""
    return paths.journal.parent / "last-backup.json"


def is_database(path: Path) -> bool:
    """A CouchDB database file (copied first), not a view index."""
    return path.suffix == ".couch" and not any(
        part in (".shards", ".delete") or part.endswith("_design") for part in path.parts)


def walk(part: Part) -> Iterator[tuple[Path, str]]:
    """(host path, archive name) of everything in a part: databases first, then the rest,
    each group in a stable order."""
    if not part.path.exists():
        return
    if part.path.is_file():
        yield part.path, part.name
        return
    folders: list[Path] = [part.path]
    databases: list[Path] = []
    rest: list[Path] = []
    for top, dirs, files in os.walk(part.path):  # symbolic links to folders are not entered
        here = Path(top)
        dirs[:] = sorted(d for d in dirs if here / d not in part.skip)
        for name in dirs:
            (rest if (here / name).is_symlink() else folders).append(here / name)
        for name in sorted(files):
            (databases if is_database(here / name) else rest).append(here / name)
    for path in [*folders, *databases, *rest]:
        relative = path.relative_to(part.path).as_posix()
        yield path, part.name if relative == "." else f"{part.name}/{relative}"


class HashingReader(io.RawIOBase):
    """Reads exactly ``size`` bytes of a file (a file that grows meanwhile is copied as it
    was; one cut shorter is padded with zeros), hashing what it gives."""

    def __init__(self, handle: IO[bytes], size: int, done: Callable[[int], None]) -> None:
        self.handle = handle
        self.left = size
        self.sha = hashlib.sha256()
        self.done = done

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.left)
        if want <= 0:
            return 0
        data = self.handle.read(want)
        if not data:
            data = bytes(want)
        buffer[:len(data)] = data
        self.sha.update(data)
        self.left -= len(data)
        self.done(len(data))
        return len(data)


def measure(items: list[tuple[Path, str]]) -> int:
    total = 0
    for path, _ in items:
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def stamp(moment: float) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(moment))


@dataclass(frozen=True)
class Made:
    file: Path
    bytes: int
    sha256: str
    seconds: float
    removed: tuple[Path, ...]


def create(paths: Paths, data: Path, into: Path, about: dict[str, object], keep: int,
           progress: Progress = lambda done, total, what: None) -> Made:
    """Write one backup into ``into`` (0600, atomically), its .sha256 beside it, record it,
    then delete the oldest beyond ``keep``."""
    started = time.time()
    items = [item for part in parts(paths, data) for item in walk(part)]
    total = measure(items)
    into.mkdir(parents=True, exist_ok=True, mode=0o700)
    free = shutil.disk_usage(into)
    reserve = int(free.total * KEEP_FREE)
    if total + reserve > free.free:
        raise BackupError(
            f"not enough room in {into}: the data is {total / 1e9:.1f} GB and "
            f"{free.free / 1e9:.1f} GB are free (cht-install keeps 5% of the disk free)",
            "Free space, lower backup.keep, or set backup.dir to a larger disk.")
    name = f"cht-backup-{socket.gethostname()}-{stamp(started)}{SUFFIX}"
    final = into / name
    partial = into / f".{name}.partial"
    sums: dict[str, str] = {}
    sizes: dict[str, int] = {}
    copied = 0

    def advance(count: int) -> None:
        nonlocal copied
        copied += count
        progress(copied, total, "copying CHT's data")

    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz",
                                                      compresslevel=6) as tar:
            for path, arcname in items:
                try:
                    info = tar.gettarinfo(str(path), arcname)
                except FileNotFoundError:
                    continue  # gone since the walk (a compaction's old file)
                if info.isreg():
                    with path.open("rb") as handle:
                        reader = HashingReader(handle, info.size, advance)
                        tar.addfile(info, io.BufferedReader(reader, CHUNK))
                    sums[arcname] = reader.sha.hexdigest()
                    sizes[arcname] = info.size
                elif info.isdir() or info.issym():
                    tar.addfile(info)
            manifest = {"format": FORMAT, "created": started, **about, "method": METHOD,
                        "files": sums, "sizes": sizes}
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            entry = tarfile.TarInfo(MANIFEST)
            entry.size, entry.mode, entry.mtime = len(body), 0o600, int(started)
            tar.addfile(entry, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        digest = file_sha256(partial)
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    write_atomically(final.with_name(name + ".sha256"), f"{digest}  {name}\n".encode(), 0o600)
    size = final.stat().st_size
    made = Made(final, size, digest, time.time() - started, tuple(rotate(into, keep)))
    write_atomically(record_path(paths), json.dumps(
        {"file": str(final), "time": started, "bytes": size, "sha256": digest,
         "seconds": round(made.seconds, 1), "data": str(data)}).encode(), 0o600)
    return made


def backups_in(into: Path) -> list[Path]:
    """The backups in a folder, oldest first (by the time in their names, whatever the
    server was called when each was made)."""
    if not into.is_dir():
        return []
    found = [p for p in into.glob(f"cht-backup-*{SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: (p.name[-len(SUFFIX) - 15:], p.name))


def rotate(into: Path, keep: int) -> list[Path]:
    """Delete the oldest backups beyond ``keep`` (and their .sha256); the removed ones."""
    found = backups_in(into)
    removed = found[:-keep] if len(found) > keep else []
    for old in removed:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)
    return removed


def last_recorded(paths: Paths) -> dict[str, Any] | None:
    try:
        found = json.loads(record_path(paths).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "file" in found else None


def file_sha256(path: Path, progress: Progress = lambda done, total, what: None) -> str:
    sha = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            done += len(chunk)
            progress(done, total, "checking the backup's checksum")
    return sha.hexdigest()


def safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name != ""


def verify(file: Path, progress: Progress = lambda done, total, what: None) -> dict[str, Any]:
    """The backup's manifest, once every byte was read and checked: the .sha256 beside it
    (when there is one), then each file against the manifest. Nothing is changed."""
    damaged = "Use another backup (an older one, or the copy you keep off this server)."
    if not file.is_file():
        raise BackupError(f"{file} does not exist", "Give the path of a cht-backup-*.tar.gz.")
    sidecar = file.with_name(file.name + ".sha256")
    if sidecar.is_file():
        expected = sidecar.read_text().split()[:1]
        if expected and file_sha256(file, progress) != expected[0]:
            raise BackupError(f"{file} is damaged: its checksum differs from {sidecar.name} "
                              "(cut short or changed since it was made)", damaged)
    sums: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    total = file.stat().st_size
    try:
        # gzip's own reader, not tarfile's: it checks the stream's end (length and CRC), so a
        # file cut between two members is found cut short, not taken for a shorter archive
        with file.open("rb") as raw, gzip.open(raw) as unpacked, \
                tarfile.open(fileobj=unpacked, mode="r|") as tar:
            for member in tar:
                if not safe_name(member.name) or (member.issym() and not safe_link(member)):
                    raise BackupError(f"{file} holds an unsafe path ({member.name})", damaged)
                if member.isreg():
                    handle = tar.extractfile(member)
                    assert handle is not None
                    sha = hashlib.sha256()
                    kept = b""
                    while chunk := handle.read(CHUNK):
                        sha.update(chunk)
                        if member.name == MANIFEST:
                            kept += chunk
                    if member.name == MANIFEST:
                        manifest = json.loads(kept)
                    else:
                        sums[member.name] = sha.hexdigest()
                progress(raw.tell(), total, "reading every file in the backup")
            while unpacked.read(CHUNK):
                pass  # to the gzip trailer, which is checked
    except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{file} is damaged or cut short ({type(exc).__name__}): it cannot "
                          "be read to its end", damaged) from None
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError(f"{file} is not a complete cht-install backup (no manifest at its "
                          "end: cut short, or made by something else)", damaged)
    if manifest.get("files") != sums:
        bad = sorted(set(sums.items()) ^ set(manifest.get("files", {}).items()))
        raise BackupError(f"{file} is damaged: {bad[0][0] if bad else 'a file'} differs from "
                          "what was backed up", damaged)
    return manifest


def safe_link(member: tarfile.TarInfo) -> bool:
    """A symbolic link that stays inside its part (CouchDB's data has none; medic-os's /srv
    has a few relative ones)."""
    target = PurePosixPath(member.linkname)
    if target.is_absolute():
        return True  # resolved inside the container that reads it, not on this host
    depth = len(PurePosixPath(member.name).parent.parts)
    ups = sum(1 for part in target.parts if part == "..")
    return ups < depth


def extract(file: Path, part: str, into: Path,
            progress: Progress = lambda done, total, what: None) -> int:
    """Put one part of a verified backup in place at ``into``; the entries written."""
    return extract_parts(file, {part: into}, progress)


def extract_parts(file: Path, places: dict[str, Path],
                  progress: Progress = lambda done, total, what: None) -> int:
    """Put parts of a verified backup in place (part name -> where), owners, modes and
    times as they were, in one pass over the archive; the number of entries written."""
    count = 0
    total = file.stat().st_size
    with file.open("rb") as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
        for member in tar:
            part, _, relative = member.name.partition("/")
            into = places.get(part)
            if into is None:
                continue
            member.name = f"{into.name}/{relative}" if relative else into.name
            tar.extract(member, str(into.parent), numeric_owner=True)
            count += 1
            progress(raw.tell(), total, f"putting back {part}")
    return count
