"""The nightly backup and the health check on the schedule the answers ask for: cron lines
and systemd timers that say the same times, and taken off when no longer asked for."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from installer import schedule
from installer.answer_checks import EVERY_MINUTES
from installer.answers import from_mapping
from installer.host import PlanHost, RealHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context, Status
from installer.steps.care import HealthCheckScheduled, backup_job

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"


def context(tmp_path: Path, systemd: bool, **answers: object) -> Context:
    config = from_mapping({"hostname": "cht.example.org", **answers})
    platform = replace(detect(OS_RELEASE), systemd=systemd)
    return Context(host=PlanHost(RealHost(tmp_path / "log")), config=config,
                   paths=Paths.under(tmp_path), platform=platform, emit=lambda event: None,
                   line=line_for(config))


def next_elapse(calendar: str) -> str:
    assert shutil.which("systemd-analyze"), "systemd-analyze (Debian's systemd) is needed"
    done = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("minutes", EVERY_MINUTES)
def test_every_allowed_interval_is_a_valid_cron_time_and_systemd_calendar(minutes: int) -> None:
    cron_time, calendar = schedule.every(minutes)
    fields = cron_time.split()
    assert len(fields) == 5
    next_elapse(calendar)


def test_the_nightly_backup_runs_at_the_time_asked(tmp_path: Path) -> None:
    ctx = context(tmp_path, systemd=False, backup={"dir": "/var/backups/cht",
                                                   "schedule": "03:15"})
    (path, content), = schedule.files(ctx, backup_job(ctx)).items()
    assert path == str(tmp_path / "etc/cron.d/cht-install-backup")
    line = content.splitlines()[-1]
    assert line.startswith("15 3 * * * root ")
    assert f"backup --scheduled --root {tmp_path} >/dev/null 2>>" in line
    timer = schedule.files(replace(ctx, platform=replace(ctx.platform, systemd=True)),
                           backup_job(ctx))
    text = timer[str(tmp_path / "etc/systemd/system/cht-install-backup.timer")]
    assert "OnCalendar=*-*-* 03:15:00" in text
    assert "03:15:00" in next_elapse("*-*-* 03:15:00")


def test_not_asked_for_is_ok_and_a_left_over_schedule_is_taken_off(tmp_path: Path) -> None:
    ctx = context(tmp_path, systemd=False)
    assert HealthCheckScheduled().probe(ctx).status is Status.OK
    left = tmp_path / "etc/cron.d/cht-install-health"
    left.parent.mkdir(parents=True)
    left.write_text("*/15 * * * * root cht-install health-check\n")
    finding = HealthCheckScheduled().probe(context(tmp_path, systemd=False,
                                                   alerts={"webhook": None}))
    assert finding.status is Status.NEEDED and "left from earlier answers" in finding.reason
