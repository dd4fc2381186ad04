"""Jobs that run by themselves (certificate renewal, nightly backup, health check): a
systemd timer where systemd runs, else a cron entry; written, checked and removed alike."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from installer.step import Context, Finding, StepError, needed, ok

CRON_PACKAGES = {"apt": "cron", "dnf": "cronie", "yum": "cronie", "zypper": "cron"}


@dataclass(frozen=True)
class Job:
    unit: str         # systemd unit name, e.g. cht-install-backup
    cron_name: str    # its file in /etc/cron.d
    what: str         # "Back up CHT's data" (the unit's description)
    command: tuple[str, ...]  # cht-install's arguments, e.g. ("backup", "--scheduled")
    cron_time: str    # minute hour day month weekday
    calendar: str     # systemd OnCalendar
    when: str         # said to people: "every night at 02:30"
    spread_seconds: int = 0  # systemd's RandomizedDelaySec (many servers, one CA)


def daily(hh_mm: str) -> tuple[str, str]:
    """(cron time, OnCalendar) for every day at HH:MM."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return f"{minute} {hour} * * *", f"*-*-* {hour:02}:{minute:02}:00"


def every(minutes: int) -> tuple[str, str]:
    """(cron time, OnCalendar) for every N minutes (N divides an hour or a day)."""
    if minutes == 1:
        return "* * * * *", "*-*-* *:*:00"
    if minutes < 60:
        return f"*/{minutes} * * * *", f"*-*-* *:00/{minutes}:00"
    hours = minutes // 60
    return (f"0 */{hours} * * *" if hours < 24 else "0 0 * * *",
            f"*-*-* 00/{hours}:00:00" if hours < 24 else "*-*-* 00:00:00")


def installer_command(ctx: Context) -> list[str]:
    """The command that runs this very cht-install: the console script of the environment
    running now (/opt/cht-install/bin/cht-install once bootstrapped), not whichever
    cht-install comes first on PATH."""
    beside = Path(sys.executable).parent / "cht-install"
    return [str(beside)] if beside.is_file() else [sys.executable, "-m", "installer.cli"]


def cron_file(ctx: Context, job: Job) -> Path:
    return ctx.paths.cron_file.parent / job.cron_name


def files(ctx: Context, job: Job) -> dict[str, str]:
    """Path -> content of the job's schedule. What it says goes to cht-install's own log,
    which is bounded (logs.max_mb): cron mails nothing, and only errors cht-install could
    not log itself reach the log (cron) or the system journal (systemd, bounded by
    journald)."""
    # the command first: `cht-install renew-cert --root DIR` (tests' prefix) is what it reads
    where = ["--root", str(ctx.paths.root)] if str(ctx.paths.root) != "/" else []
    run = " ".join([*installer_command(ctx), *job.command, *where])
    if ctx.platform.systemd:
        unit = ctx.paths.systemd_dir
        spread = f"RandomizedDelaySec={job.spread_seconds}\n" if job.spread_seconds else ""
        return {
            str(unit / f"{job.unit}.service"): (
                f"[Unit]\nDescription={job.what} (cht-install)\n"
                "After=network-online.target docker.service\n"
                "Wants=network-online.target\n\n"
                f"[Service]\nType=oneshot\nExecStart={run}\nStandardOutput=null\n"),
            str(unit / f"{job.unit}.timer"): (
                f"[Unit]\nDescription={job.what}, {job.when}\n\n"
                f"[Timer]\nOnCalendar={job.calendar}\n{spread}"
                "Persistent=true\n\n[Install]\nWantedBy=timers.target\n"),
        }
    return {str(cron_file(ctx, job)): (
        f"# cht-install: {job.what[0].lower() + job.what[1:]}, {job.when}\n"
        f"{job.cron_time} root {run} >/dev/null 2>>{ctx.paths.log}\n")}


def cron_daemon(ctx: Context) -> str | None:
    """The cron daemon's name (cron on Debian and SUSE, crond on the RHEL family)."""
    for name in ("cron", "crond"):
        if ctx.host.which(name):
            return name
    return None


def probe(ctx: Context, job: Job) -> Finding:
    for path, content in files(ctx, job).items():
        if ctx.host.read_text(Path(path)) != content:
            return needed(f"{path} is not in place yet")
    runs = f"`cht-install {' '.join(job.command)}` {job.when}"
    if ctx.platform.systemd:
        state = ctx.host.query(["systemctl", "is-enabled", f"{job.unit}.timer"])
        if state.stdout.strip() != "enabled":
            return needed(f"{job.unit}.timer is not enabled")
        return ok(f"{job.unit}.timer runs {runs}")
    daemon = cron_daemon(ctx)
    if daemon is None:
        return needed(f"no cron daemon is installed to run {runs}")
    if not ctx.host.query(["pgrep", "-x", daemon]).ok:
        return needed(f"{daemon} is not running, so {runs} would never run")
    return ok(f"cron runs {runs} ({cron_file(ctx, job)})")


def apply(ctx: Context, job: Job) -> None:
    from installer.steps.docker import install_packages, recipe

    for path, content in files(ctx, job).items():
        ctx.host.write_file(Path(path), content, 0o644)
    if ctx.platform.systemd:
        commands = [["systemctl", "daemon-reload"],
                    ["systemctl", "enable", "--now", f"{job.unit}.timer"]]
    else:
        daemon = cron_daemon(ctx)
        if daemon is None:
            rec = recipe(ctx)
            package = CRON_PACKAGES.get(rec.manager.name, "cron")
            install_packages(ctx, rec, (package,), "a cron daemon for scheduled jobs",
                             "the OS's own repositories")
            daemon = cron_daemon(ctx) or "cron"
        running = ctx.host.query(["pgrep", "-x", daemon]).ok
        commands = [] if running else [["service", daemon, "start"]]
    for argv in commands:
        result = ctx.host.run(argv)
        if not result.ok:
            raise StepError(f"`{' '.join(argv)}` failed: {result.tail(2)}",
                            "Start the scheduler by hand, then run cht-install again.")


def present(ctx: Context, job: Job) -> list[Path]:
    """The job's schedule files that exist (left from answers that asked for it)."""
    candidates = [cron_file(ctx, job), ctx.paths.systemd_dir / f"{job.unit}.timer",
                  ctx.paths.systemd_dir / f"{job.unit}.service"]
    return [path for path in candidates if ctx.host.read_bytes(path) is not None]


def remove(ctx: Context, job: Job) -> None:
    """Take the job off the schedule (the answers no longer ask for it)."""
    if ctx.platform.systemd:
        ctx.host.run(["systemctl", "disable", "--now", f"{job.unit}.timer"])
    for path in present(ctx, job):
        ctx.host.run(["rm", "-f", str(path)])
    if ctx.platform.systemd:
        ctx.host.run(["systemctl", "daemon-reload"])


def as_asked(ctx: Context, job: Job, asked: bool, not_asked: str, ok_words: str) -> Finding:
    """The job is scheduled when asked for; when not, none of it is left (ok_words)."""
    if asked:
        return probe(ctx, job)
    left = present(ctx, job)
    if left:
        return needed(f"{left[0]} is left from earlier answers ({not_asked})",
                      "cht-install takes it off the schedule.")
    return ok(ok_words)


def put(ctx: Context, job: Job, asked: bool) -> None:
    """Schedule the job when asked for, else take it off the schedule."""
    if asked:
        apply(ctx, job)
    else:
        remove(ctx, job)
