"""Doctor's checks beyond the install steps (the Considerations): certificate expiry, room
left where CHT's data lives, the data's size and place, and whether a backup is known."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from installer.disk import human
from installer.host.docker_api import docker_errors
from installer.step import Context, Finding, broken, needed, ok, warning

FREE_WARNING = 0.20  # warn when less than this share of the data's disk is free
BACKUP_TOO_OLD_DAYS = 7
SCHEDULED_TOO_OLD_DAYS = 2  # a nightly backup missed twice
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    finding: Finding

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, **self.finding.as_dict()}


def data_location(ctx: Context) -> tuple[str, Path] | None:
    """(what, host directory) of CHT's data; None when it does not exist (yet)."""
    return ctx.line.data_location(ctx)


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
TRUSTED_ON_SCREEN = (
    "For real use, run sudo cht-install again and choose Let's Encrypt, or your own "
    "certificate from a CA, under \"TLS certificate\" in the settings.")


def certificate_trust(mode: str) -> Check:
    """Whether phones trust the certificate as it is (self-signed: only by hand)."""
    title = "Phones trust the certificate"
    if mode == "self-signed":
        return Check("tls.trusted", title,
                     warning(SELF_SIGNED_PHONES, TRUSTED_FIX, TRUSTED_ON_SCREEN))
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
    checks.append(journaled_check(ctx, path))
    checks.append(backup_check(ctx))
    return checks


JOURNAL_FIX = (
    "Give it a journal: `sudo tune2fs -j {device}` (it works while mounted). Until then, "
    "after a power cut run `sudo cht-install doctor` and restore the last backup if CouchDB "
    "reports damage.")
LOOK_FIX = (
    "See for yourself: `sudo dumpe2fs -h {device} | grep features` lists has_journal when "
    "it keeps one; if it does not, `sudo tune2fs -j {device}` gives it one (it works while "
    "mounted).")
OTHER_DISK_FIX = (
    "Keep CHT's data on a local disk formatted ext4 or xfs: mount one (at /srv, say) and "
    "change [[data]] to a folder on it; cht-install then says how to copy the data there. "
    "Until then, keep nightly backups off this server.")


def journaled_check(ctx: Context, path: Path) -> Check:
    """Whether the filesystem holding CHT's data comes back consistent after a power cut."""
    from installer.filesystems import EXT_FAMILY, holder
    from installer.setting_names import both_ways

    title = "CHT's data survives a power cut"
    found = holder(ctx.host, path)
    if found is None:
        return Check("data.journaled", title, warning(
            f"findmnt could not say which filesystem holds {path}", *both_ways(OTHER_DISK_FIX)))
    if found.survives:
        return Check("data.journaled", title, ok(f"{path} is on {found.why}"))
    text = f"{path} is on {found.why}"
    if found.fstype in EXT_FAMILY and found.source.startswith("/dev/"):
        fix = JOURNAL_FIX if found.survives is False else LOOK_FIX
        return Check("data.journaled", title, warning(text, fix.format(device=found.source)))
    if found.survives is None:
        return Check("data.journaled", title, warning(text, *both_ways(OTHER_DISK_FIX)))
    return Check("data.journaled", title, broken(text, *both_ways(OTHER_DISK_FIX)))


RESTARTING = ("always", "unless-stopped")


def restart_policy_check(ctx: Context) -> Check:
    """Every CHT container restarts by itself when Docker starts (after a reboot or a power
    cut) or when it stops on its own."""
    title = "CHT's containers restart by themselves"
    client = ctx.host.docker()
    if client is None:
        return Check("cht.restart-policy", title, needed(
            "Docker is not running, so the containers cannot be checked",
            "Run cht-install: it starts Docker and CHT."))
    names = ctx.line.containers(ctx)
    if not names:
        return Check("cht.restart-policy", title, needed(
            "CHT's containers do not exist yet", "Run cht-install: it starts CHT."))
    policies = {}
    for name in names:
        try:
            policies[name] = str(client.containers.get(name).attrs["HostConfig"]
                                 ["RestartPolicy"]["Name"] or "no")
        except docker_errors(KeyError):
            policies[name] = "unknown"
    wrong = [f"{name} restarts {policy!r}" for name, policy in policies.items()
             if policy not in RESTARTING]
    if wrong:
        return Check("cht.restart-policy", title, broken(
            "; ".join(wrong), "Run cht-install: it creates CHT's containers again from its "
            "compose files, which say `restart: always` (CHT's data is kept)."))
    how = "always" if set(policies.values()) == {"always"} else "unless stopped by hand"
    return Check("cht.restart-policy", title, ok(f"all {len(names)} restart {how}"))


def backup_check(ctx: Context) -> Check:
    """The last good backup cht-install made (its record, and the file still there)."""
    from installer.backup import backup_dir, last_recorded

    title = "A recent backup of CHT's data is known"
    choice = ctx.config.backup
    into = backup_dir(choice.dir, ctx.paths.root)
    how = ("Turn on nightly backups: `sudo cht-install --backup-dir /var/backups/cht` (or "
           "backup.dir in the answers, or the settings screen); `sudo cht-install backup` "
           "makes one now.") if not choice.dir else (
        f"See why in {ctx.paths.log} (lines with 'backup'), then run `sudo cht-install "
        "backup` to make one now.")
    shown = ("Turn on nightly backups: run sudo cht-install again and give a folder in "
             "\"Nightly backups folder\" (Settings, After the install); `sudo cht-install "
             "backup` makes one now.") if not choice.dir else ""
    record = last_recorded(ctx.paths)
    if record is None and choice.dir:
        return Check("data.backup", title, warning(
            f"no backup yet: the first one runs at {choice.schedule} into {into}",
            "Make one now to see that it works: `sudo cht-install backup`."))
    if record is None:
        return Check("data.backup", title, warning("no backup made by cht-install is "
                                                   "recorded", how, shown))
    age_days = (time.time() - float(record["time"])) / 86400
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(record["time"])))
    if not Path(str(record["file"])).is_file():
        return Check("data.backup", title, warning(
            f"the last backup ({when}) is no longer at {record['file']}", how, shown))
    too_old = BACKUP_TOO_OLD_DAYS if not choice.dir else SCHEDULED_TOO_OLD_DAYS
    if age_days > too_old:
        return Check("data.backup", title, warning(
            f"the last backup is {age_days:.0f} days old ({when})", how, shown))
    kept = f"; nightly at {choice.schedule} into {into}, keeping {choice.keep}" \
        if choice.dir else "; no nightly backups (none are set up)"
    size = human(int(record.get("bytes", 0)))
    text = f"last backup {when}, {size}, checksummed: {record['file']}{kept}"
    return Check("data.backup", title, ok(text) if choice.dir else warning(text, how, shown))


def unfinished_upgrade(ctx: Context) -> str | None:
    """The release an upgrade cut short was going to (its note is left); None if none."""
    from installer.lines.current.upgrade import pending_upgrade

    note = pending_upgrade(ctx.host.read_text(ctx.paths.upgrade_note))
    return note.new if note is not None else None


def version_check(ctx: Context) -> Check:
    """The CHT version that runs (its image's tag), and whether it is past its end of life
    (3.x: the whole line; the current line: its minor version in CHT's release table)."""
    title = "CHT's version is supported"
    container = ctx.line.main_container
    image = ctx.host.query(["docker", "inspect", "--format", "{{.Config.Image}}", container])
    tag = image.stdout.strip().rsplit(":", 1)[-1] if image.ok and image.stdout.strip() else ""
    running = tag.removeprefix("cht-") if tag else "not running"
    said = f"CHT {running} runs ({container})"
    line = ctx.line.with_version(running) if tag else ctx.line
    cut_short = unfinished_upgrade(ctx)
    if cut_short:
        return Check("cht.version", title, warning(
            f"{said}; an upgrade to CHT {cut_short} was cut short (the note "
            f"{ctx.paths.upgrade_note} is left)",
            "Run `sudo cht-install upgrade` to finish it: it goes on from where it stopped."))
    if line.end_of_life:
        return Check("cht.version", title, warning(
            f"{said}: {line.past_end}: no fixes, security ones included", line.moving_on))
    return Check("cht.version", title, ok(
        f"{said}, a supported release; CHT releases often: {ctx.line.upgrade_words}"))


def alerting_check(ctx: Context) -> Check:
    """Whether someone hears about it when CHT breaks: receivers set, the scheduled check
    running, and the last delivery through."""
    from installer.alerts import read_state, state_path, wanted

    title = "Someone is alerted when CHT breaks"
    choice = ctx.config.alerts
    if not wanted(choice):
        return Check("alerts.set-up", title, warning(
            "no alerts are set up: if CHT stops at night, nobody is told",
            "Set a webhook (ntfy, Slack, Teams ...) and/or an e-mail address: `sudo "
            "cht-install --alerts-webhook URL` or `--alerts-email ADDRESS` (or the settings "
            "screen), then `sudo cht-install alert-test`.",
            "Run sudo cht-install again and give a webhook (ntfy, Slack, Teams ...) and/or an "
            "e-mail address under \"After the install\" in the settings, then `sudo "
            "cht-install alert-test`."))
    receivers = ", ".join(f"{name} {value}" for name, value in (
        ("webhook", choice.webhook), ("e-mail", choice.email), ("ping", choice.ping_url))
        if value)
    state = read_state(state_path(ctx.paths))
    if state is None:
        return Check("alerts.set-up", title, warning(
            f"alerts go to {receivers}, but the scheduled health check has not run yet",
            f"It runs every {choice.every_minutes} minutes once cht-install has set it up; "
            "`sudo cht-install alert-test` sends a test alert now."))
    last = time.time() - float(state.get("checked", 0))
    if last > 3 * 60 * choice.every_minutes + 600:
        return Check("alerts.set-up", title, warning(
            f"the scheduled health check last ran {last / 3600:.1f} hours ago",
            "Run cht-install: it repairs the schedule (alerts.scheduled)."))
    if state.get("undelivered"):
        return Check("alerts.set-up", title, warning(
            f"the last alert ({state['undelivered']}) could not be delivered to {receivers}",
            f"See {ctx.paths.log} (lines with 'health check'), then `sudo cht-install "
            "alert-test`."))
    return Check("alerts.set-up", title, ok(
        f"a health check every {choice.every_minutes} minutes alerts {receivers}"))


def bounded_check(ctx: Context) -> Check:
    """cht-install's own files stay within the limits the answers set."""
    from installer.backup import backup_dir, backups_in

    limit = ctx.config.logs.max_mb * 1_000_000
    sizes = []
    for path in (ctx.paths.log, ctx.paths.journal):
        try:
            sizes.append((path, path.stat().st_size))
        except OSError:
            continue
    over = [(path, size) for path, size in sizes if size > 2 * limit]
    into = backup_dir(ctx.config.backup.dir, ctx.paths.root)
    kept = backups_in(into)
    total = sum(p.stat().st_size for p in kept)
    text = (f"log and journal {human(sum(size for _, size in sizes))} (each kept under "
            f"{ctx.config.logs.max_mb} MB); backups {human(total)} in "
            f"{len(kept)} file(s), the newest {ctx.config.backup.keep} kept)")
    title = "cht-install's logs and backups stay within their limits"
    if over or len(kept) > ctx.config.backup.keep:
        return Check("care.bounded", title, warning(
            text + ": over the limit", "Run cht-install (or `cht-install backup`): it "
            "rotates them."))
    return Check("care.bounded", title, ok(text))


def proxy_check(ctx: Context) -> Check:
    """Which proxy cht-install's fetches and Docker's pulls go through, and whether it
    answers (a TCP connection to it); never its password."""
    import os
    from urllib.parse import urlsplit

    from installer.proxy import masked, proxies_for

    title = "The proxy to the internet answers"
    proxies = proxies_for(ctx.config, os.environ)
    if not proxies.any:
        return Check("os.proxy", title, ok(proxies.words()))
    for url in dict.fromkeys(u for u in (proxies.http, proxies.https) if u):
        parts = urlsplit(url)
        if not ctx.host.tcp_open(parts.hostname or "", parts.port or 80):
            flag = "--proxy-http" if url == proxies.http else "--proxy-https"
            return Check("os.proxy", title, broken(
                f"the proxy {masked(url)} does not answer",
                "Check that it runs and that this server may reach it; if it moved, set it "
                f"again: sudo cht-install {flag} URL (or {flag} '' to go direct)."))
    return Check("os.proxy", title, ok(f"fetches and Docker's pulls go through "
                                       f"{proxies.words()}"))
