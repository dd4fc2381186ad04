"""os.automatic-updates: whether the OS installs its security updates by itself
(unattended-upgrades on Debian/Ubuntu, dnf-automatic on the RHEL family), reported always
and turned on when the answers ask (updates.automatic: true)."""

from __future__ import annotations

from pathlib import Path

from installer import schedule
from installer.proxy import Proxies
from installer.step import Context, Finding, StepError, needed, ok, warning
from installer.steps.docker import (
    install_packages,
    installed_packages,
    recipe_or_none,
    wanted_proxies,
)

APT_PERIODIC = "/etc/apt/apt.conf.d/20auto-upgrades"
# What `dpkg-reconfigure -plow unattended-upgrades` writes: refresh the lists and run
# unattended-upgrade (security origins only, by Debian's and Ubuntu's own 50unattended-
# upgrades) every day.
APT_PERIODIC_TEXT = ('APT::Periodic::Update-Package-Lists "1";\n'
                     'APT::Periodic::Unattended-Upgrade "1";\n')
APT_DAILY_CRON = "/etc/cron.daily/apt-compat"
# apt's daily run (a timer or cron) has none of cht-install's environment: behind a proxy
# it needs apt's own setting (apt.conf(5): Acquire::http::Proxy).
APT_PROXY = "/etc/apt/apt.conf.d/80cht-install-proxy"
DNF_CONF = "/etc/dnf/automatic.conf"
DNF_TIMER = "dnf-automatic-install.timer"
PACKAGES = {"apt": "unattended-upgrades", "dnf": "dnf-automatic", "yum": "dnf-automatic"}
ENABLE = {"apt": "sudo apt-get install unattended-upgrades && sudo dpkg-reconfigure -plow "
                 "unattended-upgrades",
          "dnf": f"sudo dnf install dnf-automatic && sudo systemctl enable --now {DNF_TIMER}"}


def manager(ctx: Context) -> str | None:
    found = recipe_or_none(ctx)
    name = found.manager.name if found else None
    return "dnf" if name == "yum" else name


def how_to_enable(ctx: Context) -> str:
    name = manager(ctx)
    command = ENABLE.get(name or "")
    asked = "or let cht-install do it: [[updates.automatic=true]]"
    return f"Turn them on: `{command}`; {asked}." if command else (
        "Turn on your OS's automatic security updates (cht-install knows how on Debian, "
        "Ubuntu and the RHEL family only).")


def apt_proxy_text(proxies: Proxies) -> str:
    """apt's proxy settings for the proxies (hosts named in no_proxy connect directly)."""
    lines = ["// Written by cht-install from its proxy setting: apt's daily updates use it."]
    for kind in ("http", "https"):
        url = getattr(proxies, kind) or proxies.http or proxies.https
        lines.append(f'Acquire::{kind}::Proxy "{url}";')
        for name in (proxies.no_proxy or "").split(","):
            name = name.strip()
            if name and not name.startswith((".", "*")) and "/" not in name:
                lines.append(f'Acquire::{kind}::Proxy::{name} "DIRECT";')
    return "\n".join(lines) + "\n"


def apt_proxy_gap(ctx: Context) -> str | None:
    """What keeps apt's daily run from going through the proxy; None when no proxy is set
    or apt has a proxy setting (cht-install's, or the operator's own)."""
    proxies = wanted_proxies(ctx)
    if not proxies.any:
        return None
    ours = ctx.host.read_text(Path(APT_PROXY))
    if ours is not None:
        return None if ours == apt_proxy_text(proxies) else (
            f"apt's proxy setting ({APT_PROXY}) is not the proxy cht-install was given")
    dump = ctx.host.query(["apt-config", "dump", "Acquire::http::Proxy"])
    if "Acquire::http::Proxy " in dump.stdout:
        return None  # the operator's own setting
    return ("apt has no proxy setting, so its daily run cannot fetch updates through the "
            "proxy")


def apt_state(ctx: Context) -> str | None:
    """None when unattended-upgrades installs security updates daily; else what is missing."""
    found = recipe_or_none(ctx)
    if found is None or not installed_packages(ctx, found, ("unattended-upgrades",)):
        return "unattended-upgrades is not installed"
    dump = ctx.host.query(["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"])
    if '"1"' not in dump.stdout:
        return "unattended-upgrades is installed but not turned on (APT::Periodic)"
    if ctx.platform.systemd:
        timer = ctx.host.query(["systemctl", "is-enabled", "apt-daily-upgrade.timer"])
        if timer.stdout.strip() != "enabled":
            return "apt-daily-upgrade.timer, which runs it, is not enabled"
        return apt_proxy_gap(ctx)
    if ctx.host.read_bytes(Path(APT_DAILY_CRON)) is None:
        return f"nothing runs it: no systemd, and no {APT_DAILY_CRON}"
    daemon = schedule.cron_daemon(ctx)
    if daemon is None or not ctx.host.query(["pgrep", "-x", daemon]).ok:
        return "cron, which runs it without systemd, is not running"
    return apt_proxy_gap(ctx)


def dnf_state(ctx: Context) -> str | None:
    found = recipe_or_none(ctx)
    if found is None or not installed_packages(ctx, found, ("dnf-automatic",)):
        return "dnf-automatic is not installed"
    timers = [ctx.host.query(["systemctl", "is-enabled", timer]).stdout.strip()
              for timer in (DNF_TIMER, "dnf-automatic.timer")]
    conf = ctx.host.read_text(Path(DNF_CONF)) or ""
    applies = timers[0] == "enabled" or (timers[1] == "enabled" and any(
        line.replace(" ", "") == "apply_updates=yes" for line in conf.splitlines()))
    return None if applies else f"dnf-automatic is installed but {DNF_TIMER} is not enabled"


def missing(ctx: Context) -> str | None:
    """What keeps security updates from installing themselves; None when they do."""
    name = manager(ctx)
    if name == "apt":
        return apt_state(ctx)
    if name == "dnf":
        return dnf_state(ctx)
    return "cht-install cannot tell on this OS"


def updates_finding(ctx: Context) -> Finding:
    gap = missing(ctx)
    if gap is None:
        tool = "unattended-upgrades" if manager(ctx) == "apt" else "dnf-automatic"
        return ok(f"the OS installs its security updates by itself ({tool})")
    fix = how_to_enable(ctx)
    if manager(ctx) == "apt" and gap == apt_proxy_gap(ctx):
        fix = (f"Let cht-install give apt the proxy in {APT_PROXY}: "
               "[[updates.automatic=true]]; or set `Acquire::http::Proxy` in a file of "
               "/etc/apt/apt.conf.d yourself.")
    return warning(f"security updates are not installed automatically: {gap}", fix)


class AutomaticUpdates:
    """The OS installs security updates by itself where the settings ask for it."""

    id = "os.automatic-updates"
    # What the settings ask (doctor's os.security-updates says whether the OS does it)
    title = "Security updates as the settings ask"

    def probe(self, ctx: Context) -> Finding:
        if ctx.config.updates.automatic is not True:
            return ok("cht-install was not asked to turn them on; the checklist at the end "
                      "says whether the OS installs them by itself")
        gap = missing(ctx)
        if gap is None:
            return updates_finding(ctx)
        return needed(gap, "cht-install turns them on, as asked.")

    def apply(self, ctx: Context) -> None:
        name = manager(ctx)
        found = recipe_or_none(ctx)
        if name not in PACKAGES or found is None:
            raise StepError("cht-install cannot turn on automatic updates on this OS",
                            "Turn them on with your OS's own tool, and set "
                            "[[updates.automatic=false]].")
        if not installed_packages(ctx, found, (PACKAGES[name],)):
            install_packages(ctx, found, (PACKAGES[name],), "automatic security updates",
                             "the OS's own repositories")
        if name == "apt":
            ctx.host.write_file(Path(APT_PERIODIC), APT_PERIODIC_TEXT, 0o644)
            proxies = wanted_proxies(ctx)
            if apt_proxy_gap(ctx) is not None:
                for secret in proxies.secrets():
                    ctx.host.add_secret(secret)  # the file holds it: never in the log
                ctx.host.write_file(Path(APT_PROXY), apt_proxy_text(proxies),
                                    0o600 if proxies.secrets() else 0o644)
            if ctx.platform.systemd:
                commands = [["systemctl", "enable", "--now", "apt-daily.timer",
                             "apt-daily-upgrade.timer"]]
            else:
                daemon = schedule.cron_daemon(ctx)
                if daemon is None:
                    install_packages(ctx, found, ("cron",), "cron, to run them daily",
                                     "the OS's own repositories")
                    daemon = "cron"
                running = ctx.host.query(["pgrep", "-x", daemon]).ok
                commands = [] if running else [["service", daemon, "start"]]
        else:
            commands = [["systemctl", "enable", "--now", DNF_TIMER]]
        for argv in commands:
            result = ctx.host.run(argv)
            if not result.ok:
                raise StepError(f"`{' '.join(argv)}` failed: {result.tail(2)}",
                                how_to_enable(ctx))
