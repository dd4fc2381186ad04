"""Backups: what the archive holds, in which order, that it is checked to its last byte,
and that old ones are rotated away."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest

from installer import backup
from installer.backup import BackupError
from installer.paths import Paths


def server(tmp_path: Path) -> tuple[Paths, Path]:
    """A server root with CouchDB-shaped data, CHT's files, answers and a certificate."""
    paths = Paths.under(tmp_path / "root")
    data = paths.cht_dir / "couchdb"
    (data / "shards/00000000-7fffffff").mkdir(parents=True)
    (data / ".shards/00000000-7fffffff/medic.1_design/mrview").mkdir(parents=True)
    (data / "_dbs.couch").write_bytes(b"dbs" * 1000)
    (data / "shards/00000000-7fffffff/medic.1.couch").write_bytes(os.urandom(200_000))
    (data / ".shards/00000000-7fffffff/medic.1_design/mrview/abc.view").write_bytes(b"v" * 99)
    (data / "marker").write_text("precious\n")
    env = paths.cht_dir / "upgrade-service/.env"
    env.parent.mkdir(parents=True)
    env.write_text("COUCHDB_PASSWORD=s3cret\n")
    env.chmod(0o600)
    paths.answers.parent.mkdir(parents=True)
    paths.answers.write_text("hostname: cht.example.org\n")
    paths.tls_dir.mkdir(parents=True)
    paths.certificate.write_text("CERT\n")
    return paths, data


def make(paths: Paths, data: Path, into: Path, keep: int = 7) -> backup.Made:
    return backup.create(paths, data, into, {"line": "current", "version": "5.0.2"}, keep)


def test_a_backup_holds_data_secrets_answers_and_certificate_root_only(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    made = make(paths, data, tmp_path / "out")
    assert stat.S_IMODE(made.file.stat().st_mode) == 0o600
    sidecar = made.file.with_name(made.file.name + ".sha256")
    assert sidecar.read_text() == f"{made.sha256}  {made.file.name}\n"
    manifest = backup.verify(made.file)
    assert {"data/marker", "cht/upgrade-service/.env", "answers.yml", "tls/cht.crt",
            "data/shards/00000000-7fffffff/medic.1.couch"} <= set(manifest["files"])
    assert "append-only" in manifest["method"]
    # the data is held once, under data/, not again under cht/
    assert not any(name.startswith("cht/couchdb") for name in manifest["files"])
    assert backup.last_recorded(paths)["sha256"] == made.sha256  # type: ignore[index]


def test_databases_are_copied_before_view_indexes(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    made = make(paths, data, tmp_path / "out")
    names = [m.name for m in tarfile.open(made.file) if m.isreg()]
    databases = [i for i, n in enumerate(names) if n.endswith(".couch")]
    view = names.index("data/.shards/00000000-7fffffff/medic.1_design/mrview/abc.view")
    assert databases and max(databases) < view


def test_put_back_gives_the_same_bytes_owners_and_modes(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    before = (data / "shards/00000000-7fffffff/medic.1.couch").read_bytes()
    made = make(paths, data, tmp_path / "out")
    target = tmp_path / "new" / "couchdb"
    target.parent.mkdir()
    backup.extract(made.file, "data", target)
    assert (target / "marker").read_text() == "precious\n"
    assert (target / "shards/00000000-7fffffff/medic.1.couch").read_bytes() == before
    env = tmp_path / "new" / "cht"
    backup.extract(made.file, "cht", env)
    assert stat.S_IMODE((env / "upgrade-service/.env").stat().st_mode) == 0o600


def test_a_truncated_backup_is_refused(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    made = make(paths, data, tmp_path / "out")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(made.file.read_bytes()[: made.bytes // 2])
    with pytest.raises(BackupError, match="damaged or cut short"):
        backup.verify(cut)


def test_a_changed_byte_is_refused_with_or_without_the_sha256_beside_it(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    made = make(paths, data, tmp_path / "out")
    damaged = bytearray(made.file.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    made.file.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match="checksum differs"):
        backup.verify(made.file)
    made.file.with_name(made.file.name + ".sha256").unlink()
    with pytest.raises(BackupError, match="damaged"):
        backup.verify(made.file)


def test_an_archive_that_is_not_a_cht_install_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(__file__, "data/x.py")
    with pytest.raises(BackupError, match="no manifest"):
        backup.verify(other)
    unsafe = tmp_path / "unsafe.tar.gz"
    with tarfile.open(unsafe, "w:gz") as tar:
        tar.add(__file__, "../../etc/cron.d/x")
    with pytest.raises(BackupError, match="unsafe path"):
        backup.verify(unsafe)


def test_only_the_newest_keep_backups_stay(tmp_path: Path) -> None:
    paths, data = server(tmp_path)
    into = tmp_path / "out"
    for index in range(3):
        old = into / f"cht-backup-zzz-2026010{index}-000000.tar.gz"  # sorts after this host
        into.mkdir(exist_ok=True)
        old.write_bytes(b"x")
        old.with_name(old.name + ".sha256").write_text("x")
    made = make(paths, data, into, keep=2)
    assert len(made.removed) == 2
    left = sorted(p.name for p in into.iterdir())
    assert left == sorted(["cht-backup-zzz-20260102-000000.tar.gz",
                           "cht-backup-zzz-20260102-000000.tar.gz.sha256",
                           made.file.name, made.file.name + ".sha256"])
