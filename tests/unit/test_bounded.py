"""cht-install's own files stay within the limits the answers set: the log and the journal
rotate, and a backup never fills its disk."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer import backup
from installer.backup import BackupError
from installer.host import RealHost, rotate_past
from installer.paths import Paths


def test_the_log_rotates_past_its_limit_and_keeps_one_older_copy(tmp_path: Path) -> None:
    log = tmp_path / "cht-install.log"
    host = RealHost(log, log_limit=2_000)
    for index in range(200):
        host.log(f"line {index} " + "x" * 40)
    assert log.stat().st_size <= 2_000 + 100
    older = tmp_path / "cht-install.log.1"
    assert older.exists() and older.stat().st_size <= 2_000 + 100
    assert "line 199" in log.read_text()
    assert not (tmp_path / "cht-install.log.2").exists()


def test_the_journal_is_rotated_only_past_the_limit(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("{}\n" * 10)
    rotate_past(journal, 1_000)
    assert journal.exists()  # under the limit: untouched
    rotate_past(journal, 10)
    assert not journal.exists() and (tmp_path / "journal.jsonl.1").exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (scripts/test runs as root)")
    disk = tmp_path / "small-disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_backup_that_would_fill_its_disk_is_refused_and_leaves_nothing(
        tmp_path: Path, small_disk: Path) -> None:
    paths = Paths.under(tmp_path / "root")
    data = tmp_path / "couchdb"
    data.mkdir()
    (data / "medic.couch").write_bytes(os.urandom(5_000_000))  # more than the disk holds
    with pytest.raises(BackupError, match="not enough room"):
        backup.create(paths, data, small_disk / "backups", {}, 7)
    assert list((small_disk / "backups").iterdir()) == []


def test_a_data_copy_is_whole_with_owners_and_modes_or_absent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "data"
    (source / "shards" / "00000000-1fffffff").mkdir(parents=True)
    (source / "_dbs.couch").write_bytes(b"x" * 3000)
    shard = source / "shards" / "00000000-1fffffff" / "medic.couch"
    shard.write_bytes(b"y" * 5000)
    shard.chmod(0o640)
    os.chown(shard, 5984, 5984)
    (source / "link").symlink_to("_dbs.couch")
    host = RealHost(tmp_path / "log")
    seen: list[tuple[int, int]] = []
    host.copy_tree(source, tmp_path / "copy", lambda done, total: seen.append((done, total)))
    copied = tmp_path / "copy" / "shards" / "00000000-1fffffff" / "medic.couch"
    assert copied.read_bytes() == shard.read_bytes()
    assert (copied.stat().st_mode & 0o777, copied.stat().st_uid) == (0o640, 5984)
    assert os.readlink(tmp_path / "copy" / "link") == "_dbs.couch"
    assert seen[0] == (0, 8000) and seen[-1] == (8000, 8000)
    # a full disk half way: no copy at all (neither the partial one nor a torn one)
    import errno
    import shutil

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copystat", full)
    with pytest.raises(RuntimeError, match="is full"):
        host.copy_tree(source, tmp_path / "again", lambda done, total: None)
    assert not (tmp_path / "again").exists() and not (tmp_path / "again.partial").exists()
    assert (tmp_path / "copy" / "_dbs.couch").exists()  # and the source only read
    assert shard.read_bytes() == b"y" * 5000


def test_paths_not_made_yet_are_on_the_disk_of_their_nearest_parent(tmp_path: Path) -> None:
    from installer.disk import nearest, same_disk

    assert nearest(tmp_path / "not" / "yet") == tmp_path
    assert same_disk(tmp_path / "not" / "yet", tmp_path)
    assert not same_disk(Path("/proc/self"), tmp_path)  # procfs is never the same disk
