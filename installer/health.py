"""Doctor's checks beyond the install steps (the Considerations): certificate expiry, room
left where CHT's data lives, the data's size and place, and whether a backup is known."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from installer.disk import human
from installer.stack_files import VOLUME
from installer.step import Context, Finding, broken, ok, warning

FREE_WARNING = 0.20  # warn when less than this share of the data's disk is free
BACKUP_TOO_OLD_DAYS = 7
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    finding: Finding

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, **self.finding.as_dict()}


def backup_marker(ctx: Context) -> Path:
    """Touched (mtime = when) by the operator's backup job after each backup of CHT's data."""
    return ctx.paths.journal.parent / "last-backup"


def data_location(ctx: Context) -> tuple[str, Path] | None:
    """(what, host directory) of CHT's data; None when it does not exist (yet)."""
    if ctx.config.line == "current":
        from installer.steps.current_stack import data_dir

        path = data_dir(ctx)
        return ("CouchDB's data directory (COUCHDB_DATA)", path) if path.is_dir() else None
    if ctx.config.data != "volume":
        path = Path(ctx.config.data)
        return (str(path), path) if path.is_dir() else None
    client = ctx.host.docker()
    if client is None:
        return None
    try:
        mountpoint = client.volumes.get(VOLUME).attrs["Mountpoint"]
    except Exception:
        return None
    return f"volume {VOLUME}", Path(mountpoint)


def certificate_expiry(days_left: int | None, expires: str | None) -> Check:
    title = "Certificate is not about to expire"
    if days_left is None:
        return Check("tls.expiry", title, broken("no certificate is installed",
                                                 "Run cht-install: it installs one."))
    when = f"expires {str(expires)[:10]}"
    if days_left < 0:
        return Check("tls.expiry", title, broken(
            f"the certificate expired ({when})",
            "Run cht-install (letsencrypt: `cht-install renew-cert --force`); with your "
            "own certificate, get a new one from your CA and give its path."))
    if days_left < EXPIRY_WARNING_DAYS:
        return Check("tls.expiry", title, warning(
            f"the certificate {when}, in {days_left} days",
            "Renew it soon: cht-install renews self-signed and Let's Encrypt certificates; "
            "your own certificate needs a new one from your CA."))
    return Check("tls.expiry", title, ok(f"{when}, {days_left} days left"))


SELF_SIGNED_PHONES = (
    "the certificate is self-signed: phones and browsers warn about it, and CHT's Android "
    "app will not sync until it is installed as trusted on each phone; meant for trials")
TRUSTED_FIX = (
    "For real use, switch to a certificate phones trust: `sudo cht-install --tls-mode "
    "letsencrypt --tls-email you@example.org` (free; needs DNS for the host name pointing "
    "here and port 80 open), or your CA's: `sudo cht-install --tls-mode own "
    "--tls-certificate FILE --tls-key FILE`. For a trial, install the certificate on each "
    "phone (Android: Settings > Security > Encryption & credentials > Install a "
    "certificate > CA certificate).")


def certificate_trust(mode: str) -> Check:
    """Whether phones trust the certificate as it is (self-signed: only by hand)."""
    title = "Phones trust the certificate"
    if mode == "self-signed":
        return Check("tls.trusted", title, warning(SELF_SIGNED_PHONES, TRUSTED_FIX))
    source = "Let's Encrypt's" if mode == "letsencrypt" else "your CA's"
    return Check("tls.trusted", title, ok(f"{source} certificate, verified as phones do"))


def data_checks(ctx: Context) -> list[Check]:
    place = data_location(ctx)
    if place is None:
        missing = Check("data.location", "CHT's data is where the answers say",
                        broken("CHT's data does not exist yet",
                               "Run cht-install: it starts CHT, which creates it."))
        return [missing]
    what, path = place
    size = ctx.host.query(["du", "-sb", str(path)], timeout=120)
    used = int(size.stdout.split()[0]) if size.ok and size.stdout.split() else None
    checks = [Check("data.location", "CHT's data is where the answers say",
                    ok(f"{what} at {path}, "
                       f"{human(used) if used is not None else 'size unknown'}"))]
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        checks.append(Check("data.disk-free", "Room left for CHT's data",
                            broken(f"cannot measure the disk holding {path}: {exc}", "")))
    else:
        share = usage.free / usage.total if usage.total else 0.0
        text = f"{human(usage.free)} free of {human(usage.total)} ({share:.0%}) on the disk " \
               f"holding {path}"
        finding = ok(text) if share >= FREE_WARNING else warning(
            text, "Under 20% left: CHT's database grows every day. Free space (`docker system "
                  "prune` removes unused images) or grow the disk before it fills up.")
        checks.append(Check("data.disk-free", "Room left for CHT's data", finding))
    checks.append(backup_check(ctx, what, path))
    return checks


def backup_check(ctx: Context, what: str, path: Path) -> Check:
    marker = backup_marker(ctx)
    # The server's own tar on the data's place on disk: no image to pull (a mirror-only or
    # offline server has none but CHT's); CHT stopped meanwhile, so the copy is consistent.
    containers = ("cht-couchdb-1", "cht-couchdb-1") if ctx.config.line == "current" else (
        "medic-os haproxy", "haproxy medic-os")
    how = (f"Back up {what} with CHT stopped for a minute (e.g. `mkdir -p /backup && docker "
           f"stop {containers[0]} && tar czf /backup/cht-$(date +%F).tgz -C {path} . ; "
           f"docker start {containers[1]}`), copy it off this server, then record it with "
           f"`touch {marker}`; a nightly cron job can do all three.")
    title = "A recent backup of CHT's data is known"
    try:
        age_days = (time.time() - marker.stat().st_mtime) / 86400
    except FileNotFoundError:
        return Check("data.backup", title, warning("no backup of CHT's data is recorded", how))
    if age_days > BACKUP_TOO_OLD_DAYS:
        return Check("data.backup", title, warning(
            f"the last recorded backup is {age_days:.0f} days old", how))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(marker.stat().st_mtime))
    return Check("data.backup", title, ok(f"last backup recorded {when}"))
