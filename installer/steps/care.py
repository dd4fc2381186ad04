"""backup.scheduled and alerts.scheduled: the nightly backup and the health check on the
schedule the answers ask for; taken off it when the answers stop asking."""

from __future__ import annotations

from installer import schedule
from installer.alerts import wanted
from installer.step import Context, Finding


def backup_job(ctx: Context) -> schedule.Job:
    cron_time, calendar = schedule.daily(ctx.config.backup.schedule)
    return schedule.Job(
        unit="cht-install-backup", cron_name="cht-install-backup",
        what="Back up CHT's data", command=("backup", "--scheduled"), cron_time=cron_time,
        calendar=calendar, when=f"every night at {ctx.config.backup.schedule}")


def health_job(ctx: Context) -> schedule.Job:
    minutes = ctx.config.alerts.every_minutes
    cron_time, calendar = schedule.every(minutes)
    return schedule.Job(
        unit="cht-install-health", cron_name="cht-install-health",
        what="Check CHT's health and alert", command=("health-check",), cron_time=cron_time,
        calendar=calendar, when="every minute" if minutes == 1 else f"every {minutes} minutes")


def none_asked(not_asked: str) -> str:
    return f"none asked for ({not_asked}); the checklist at the end says what that leaves to do"


class BackupScheduled:
    """Nightly backups run as the settings ask (scheduled, or off when no folder is set)."""

    id = "backup.scheduled"
    # What the settings ask (doctor's data.backup says whether a recent backup exists)
    title = "Nightly backups as the settings ask"

    def probe(self, ctx: Context) -> Finding:
        missing = "no folder for nightly backups is set"
        return schedule.as_asked(ctx, backup_job(ctx), bool(ctx.config.backup.dir), missing,
                                 none_asked(missing))

    def apply(self, ctx: Context) -> None:
        schedule.put(ctx, backup_job(ctx), bool(ctx.config.backup.dir))


class HealthCheckScheduled:
    """The health check that sends alerts runs as the settings ask (scheduled, or off)."""

    id = "alerts.scheduled"
    # What the settings ask (doctor's alerts.set-up says whether anyone would be told)
    title = "Alerts as the settings ask"

    def probe(self, ctx: Context) -> Finding:
        missing = "no webhook, e-mail or ping address for alerts is set"
        return schedule.as_asked(ctx, health_job(ctx), wanted(ctx.config.alerts), missing,
                                 none_asked(missing))

    def apply(self, ctx: Context) -> None:
        schedule.put(ctx, health_job(ctx), wanted(ctx.config.alerts))
