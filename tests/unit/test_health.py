"""Doctor's Considerations: certificate expiry, room for the data, and the last backup."""

from __future__ import annotations

import json
import time
from pathlib import Path

from installer.answers import from_mapping
from installer.doctor_checks import backup_check, certificate_expiry, data_checks
from installer.host import PlanHost, RealHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context, Status


def context(tmp_path: Path, data: str = "volume") -> Context:
    real = RealHost(tmp_path / "log")
    config = from_mapping({"hostname": "cht.example.org", "data": data})
    return Context(host=PlanHost(real), config=config, paths=Paths.under(tmp_path),
                   platform=detect(None, None), emit=lambda event: None, line=line_for(config))


def test_certificate_expiry_warns_under_30_days_and_breaks_when_expired() -> None:
    assert certificate_expiry(90, "2027-01-01").finding.status is Status.OK
    assert certificate_expiry(29, "2026-12-25").finding.status is Status.WARNING
    assert certificate_expiry(-1, "2026-11-01").finding.status is Status.BROKEN
    assert certificate_expiry(None, None).finding.status is Status.BROKEN


def test_no_backup_recorded_is_a_warning_with_how_to(tmp_path: Path) -> None:
    check = backup_check(context(tmp_path))
    assert check.finding.status is Status.WARNING
    assert "no backup made by cht-install" in check.finding.reason
    assert "--backup-dir /var/backups/cht" in check.finding.fix
    assert "cht-install backup" in check.finding.fix


def test_nightly_backups_just_turned_on_say_when_the_first_runs(tmp_path: Path) -> None:
    from dataclasses import replace

    ctx = context(tmp_path)
    ctx.config = replace(ctx.config, backup=replace(ctx.config.backup, dir="/var/backups/cht"))
    finding = backup_check(ctx).finding
    assert finding.status is Status.WARNING
    assert finding.reason == f"no backup yet: the first one runs at 02:30 into " \
                             f"{tmp_path}/var/backups/cht"
    assert finding.fix == "Make one now to see that it works: `sudo cht-install backup`."


def test_a_recent_scheduled_backup_is_ok_an_old_or_missing_one_warns(tmp_path: Path) -> None:
    from dataclasses import replace

    from installer.backup import record_path

    ctx = context(tmp_path)
    ctx.config = replace(ctx.config, backup=replace(ctx.config.backup, dir="/var/backups/cht"))
    made = tmp_path / "cht-backup-h-20261126-023000.tar.gz"
    made.write_bytes(b"x" * 2000)
    record = record_path(ctx.paths)
    record.parent.mkdir(parents=True)

    def recorded(age_days: float) -> None:
        record.write_text(json.dumps({"file": str(made), "time": time.time() - age_days * 86400,
                                      "bytes": 2000, "sha256": "0" * 64}))

    recorded(0.5)
    finding = backup_check(ctx).finding
    assert finding.status is Status.OK and "nightly at 02:30" in finding.reason
    recorded(3)  # two nights missed
    finding = backup_check(ctx).finding
    assert finding.status is Status.WARNING and "3 days old" in finding.reason
    recorded(0.5)
    made.unlink()
    finding = backup_check(ctx).finding
    assert finding.status is Status.WARNING and "no longer at" in finding.reason


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

