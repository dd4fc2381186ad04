"""Doctor's Considerations: certificate expiry, room for the data, and the last backup."""

from __future__ import annotations

import os
import time
from pathlib import Path

from installer.answers import from_mapping
from installer.health import backup_check, certificate_expiry, data_checks
from installer.host import PlanHost, RealHost
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context, Status


def context(tmp_path: Path, data: str = "volume") -> Context:
    real = RealHost(tmp_path / "log")
    return Context(host=PlanHost(real), config=from_mapping(
        {"hostname": "cht.example.org", "data": data}), paths=Paths.under(tmp_path),
        platform=detect(None, None), emit=lambda event: None)


def test_certificate_expiry_warns_under_30_days_and_breaks_when_expired() -> None:
    assert certificate_expiry(90, "2027-01-01").finding.status is Status.OK
    assert certificate_expiry(29, "2026-12-25").finding.status is Status.WARNING
    assert certificate_expiry(-1, "2026-11-01").finding.status is Status.BROKEN
    assert certificate_expiry(None, None).finding.status is Status.BROKEN


def test_no_backup_recorded_is_a_warning_with_how_to(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    check = backup_check(ctx, "volume medic-data", tmp_path)
    assert check.finding.status is Status.WARNING
    assert "touch" in check.finding.fix and "last-backup" in check.finding.fix
    # The server's own tar, on the data's place: no image to pull (mirror-only, offline).
    assert f"tar czf /backup/cht-$(date +%F).tgz -C {tmp_path} ." in check.finding.fix
    assert "docker run" not in check.finding.fix


def test_a_recent_backup_is_ok_and_an_old_one_warns(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    marker = ctx.paths.journal.parent / "last-backup"
    marker.parent.mkdir(parents=True)
    marker.touch()
    assert backup_check(ctx, "x", tmp_path).finding.status is Status.OK
    old = time.time() - 10 * 86400
    os.utime(marker, (old, old))
    finding = backup_check(ctx, "x", tmp_path).finding
    assert finding.status is Status.WARNING and "10 days old" in finding.reason


def test_a_host_path_data_directory_is_measured(tmp_path: Path) -> None:
    data = tmp_path / "cht-data"
    data.mkdir()
    (data / "db").write_bytes(b"x" * 50_000)
    checks = {c.id: c for c in data_checks(context(tmp_path, str(data)))}
    assert checks["data.location"].finding.status is Status.OK
    assert str(data) in checks["data.location"].finding.reason
    assert "kB" in checks["data.location"].finding.reason
    assert checks["data.disk-free"].finding.reason.endswith(f"holding {data}")
    assert checks["data.backup"].finding.status is Status.WARNING

