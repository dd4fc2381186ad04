"""Docker engine and compose: package manager ready, repository, installed, running,
enabled at boot, the operator's group, compose found."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from installer.host import Host
from installer.host.docker_api import docker_errors
from installer.lines.cht3 import facts as cht3
from installer.openpgp import NotAKey, fingerprint, normalize
from installer.package_lock import find_holder
from installer.proxy import Proxies, proxies_for
from installer.recipes import Recipe, Refusal, resolve
from installer.step import Context, Finding, StepError, blocked, broken, needed, ok, warning

DOCKER_PID_FILE = Path("/var/run/docker.pid")
DAEMON_STOP_TIMEOUT = 120.0
DAEMON_START_TIMEOUT = 60.0
MIN_ENGINE = (20, 10)
MIN_COMPOSE = (1, 27)
VERSION = re.compile(r"(\d+)\.(\d+)")
SNAP_DOCKER = Path("/snap/bin/docker")


def resolve_for(ctx: Context) -> Recipe | Refusal:
    return resolve(ctx.platform, ctx.config.docker, ctx.config.allow_unsupported)


def recipe(ctx: Context) -> Recipe:
    found = resolve_for(ctx)
    if isinstance(found, Refusal):
        raise StepError(found.reason, found.fix)
    return found


def recipe_or_none(ctx: Context) -> Recipe | None:
    found = resolve_for(ctx)
    return None if isinstance(found, Refusal) else found


def version_of(text: str) -> tuple[int, int] | None:
    match = VERSION.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def wait_for_package_manager(ctx: Context, manager: str) -> None:
    """Wait while another process holds dpkg's lock, saying who; fail after the limit."""
    if manager != "apt":
        return
    holder = find_holder(ctx.host)
    if holder is None:
        return
    limit = ctx.config.docker.lock_timeout
    ctx.log(f"waiting for the package manager: {holder.describe()} (up to {limit} s)")
    ctx.progress(0, 0, f"waiting: {holder.describe()}")
    if not ctx.host.wait_until(lambda: find_holder(ctx.host) is None, limit,
                               f"the package manager ({holder.describe()})"):
        still = find_holder(ctx.host) or holder
        raise StepError(
            f"the package manager is still busy after {limit} s: {still.describe()}",
            f"Let it finish (see `ps -p {still.pid}`); on a fresh cloud server this is "
            "usually unattended-upgrades, which ends by itself. Then run cht-install again "
            "(or raise docker.lock_timeout).",
        )


def run_package_command(ctx: Context, rec: Recipe, argv: list[str] | tuple[str, ...]) -> None:
    """Run a package manager's command (once it is free); the package lists' refresh is
    not run twice in a run unless a package source was added between."""
    refresh = rec.manager.refresh is not None and tuple(argv) == tuple(rec.manager.refresh)
    if refresh and ctx.facts.packages_refreshed:
        ctx.log(f"`{' '.join(argv)}` ran already in this run: not again")
        return
    wait_for_package_manager(ctx, rec.manager.name)
    result = ctx.host.run(list(argv), env=rec.manager.env)
    if not result.ok:
        raise StepError(
            f"`{' '.join(argv)}` failed: {result.tail(3)}",
            "Check the server's package sources and network, then run cht-install again "
            "(details in the log).",
        )
    if refresh:
        ctx.facts.packages_refreshed = True


def install_packages(ctx: Context, rec: Recipe, packages: tuple[str, ...], what: str,
                     source: str | None = None) -> None:
    """Install with the recipe's package manager; ``source`` names where the packages come
    from when it is not the recipe's Docker source (the OS's own repositories)."""
    ctx.log(f"installing {what} from {source or rec.name}: {' '.join(packages)}")
    commands = [rec.manager.install_command(packages)]
    if rec.manager.refresh and not ctx.facts.packages_refreshed:
        commands.insert(0, list(rec.manager.refresh))
    for index, argv in enumerate(commands):
        ctx.progress(index, len(commands), " ".join(argv))
        run_package_command(ctx, rec, argv)
    ctx.facts.packages_installed.update(packages)
    ctx.progress(len(commands), len(commands), "installed")


def installed_packages(ctx: Context, rec: Recipe, names: tuple[str, ...]) -> list[str]:
    found = []
    for name in names:
        result = ctx.host.query(rec.manager.query_command(name))
        marker = rec.manager.installed_marker
        if result.ok and (marker is None or marker in result.stdout):
            found.append(name)
    return found


def engine_version(host: Host) -> tuple[int, int] | None:
    if not host.which("dockerd"):
        return None
    return version_of(host.query(["dockerd", "--version"]).stdout)


def compose_found(host: Host, v1_known: str | None = None) -> tuple[list[str], str] | None:
    """``docker compose`` (v2) when it works, else ``docker-compose`` (v1), with its
    version: one run each (v1 is a Python program that takes most of a second to start),
    none for v1 when its version is known without (``v1_known``, see compose_v1_made)."""
    for argv in (["docker", "compose"], ["docker-compose"]):
        if argv == ["docker-compose"] and v1_known:
            return argv, v1_known
        done = host.query([*argv, "version", "--short"])
        if done.ok:
            return argv, done.stdout.strip()
    return None


COMPOSE_LABEL = "com.docker.compose"  # what compose labels its containers with (.version...)


def compose_v1_made(host: Host, project: str) -> str | None:
    """The version of docker-compose (v1) by the labels it put on the project's containers,
    when its program has not changed since it made every one of them (so it is the same
    program): a healthy re-run need not start it to know. None otherwise."""
    program = host.which("docker-compose")
    if program is None:
        return None
    client, changed = host.docker(), host.changed_at(Path(program))
    if client is None or changed is None:
        return None
    try:
        made: list[tuple[str, str]] = [
            (container.attrs["Config"]["Labels"].get(f"{COMPOSE_LABEL}.version", ""),
             container.attrs["Created"])
            for container in client.containers.list(
                all=True, filters={"label": f"{COMPOSE_LABEL}.project={project}"})]
    except docker_errors(KeyError, AttributeError):
        return None
    versions = {version for version, _ in made}
    if len(versions) != 1 or not (version := versions.pop()).startswith("1."):
        return None  # none, or made by v2 or by more than one compose
    if not all(changed < seconds_of(created) for _, created in made):
        return None
    return version


def seconds_of(created: str) -> float:
    """Docker's creation time ("2026-12-04T07:03:26.550405416Z") in seconds since the
    epoch, to the whole second below it (0 when it says something else)."""
    from datetime import datetime, timezone

    try:
        return datetime.strptime(created[:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=timezone.utc).timestamp()
    except ValueError:
        return 0.0


def compose_command(host: Host) -> list[str] | None:
    """``docker compose`` (v2) when it works, else ``docker-compose`` (v1), else None."""
    found = compose_found(host)
    return found[0] if found else None


COMPOSE_PLUGIN = ("docker-compose-plugin",)


def compose_plugin_wanted(ctx: Context, rec: Recipe) -> bool:
    """Docker's compose plugin alone, from Docker's repository: the line needs compose v2
    and the engine here, left alone, came without it (Debian's docker.io beside
    docker-compose v1, say; the plugin depends on nothing of Docker's own engine)."""
    return (ctx.line.needs_compose_v2 and rec.repository is not None
            and COMPOSE_PLUGIN[0] in rec.engine and bool(ctx.host.which("dockerd"))
            and compose_command(ctx.host) != ["docker", "compose"])


def compose_for(ctx: Context) -> list[str]:
    """The compose command this run found (compose.available), else the one that works,
    else the one the line's plan installs (the current line needs v2)."""
    if ctx.facts.compose is not None:
        return ctx.facts.compose
    return compose_command(ctx.host) or (
        ["docker", "compose"] if ctx.line.needs_compose_v2 else ["docker-compose"])


class PackagesReady:
    """The package manager is not left half-way by an interrupted installation."""

    id = "packages.ready"
    title = "Package manager is ready"

    def probe(self, ctx: Context) -> Finding:
        found = resolve_for(ctx)
        if isinstance(found, Refusal) or found.manager.name != "apt":
            return ok("nothing to check")
        pending = ctx.host.query(["find", "/var/lib/dpkg/updates", "-type", "f"]).stdout.strip()
        if pending:
            return broken("an earlier package installation was interrupted",
                          "cht-install finishes it with `dpkg --configure -a`.")
        return ok("dpkg is in a consistent state")

    def apply(self, ctx: Context) -> None:
        run_package_command(ctx, recipe(ctx), ["dpkg", "--configure", "-a"])


class DockerRepository:
    """Docker's own repository, where asked for, is set up with its signing key checked."""

    id = "docker.repository"
    title = "Docker's package repository is set up"

    def probe(self, ctx: Context) -> Finding:
        found = resolve_for(ctx)
        if isinstance(found, Refusal):
            return ok("not applicable (see os.supported)")
        repo = found.repository
        if repo is None:
            return ok(f"not needed: Docker comes from {found.name}")
        if ctx.host.which("dockerd") and not compose_plugin_wanted(ctx, found):
            return ok("not needed: a Docker engine is already installed (left alone)")
        key = ctx.host.read_text(Path(repo.key_path))
        if key is None:
            return needed(f"Docker's signing key is not in {repo.key_path} yet")
        try:
            if fingerprint(key.encode()) != normalize(repo.fingerprint):
                return broken(f"{repo.key_path} is not Docker's signing key",
                              "cht-install downloads and checks it again.")
        except NotAKey:
            return broken(f"{repo.key_path} is not a key", "cht-install downloads it again.")
        if ctx.host.read_text(Path(repo.entry_path)) != repo.entry:
            return needed(f"{repo.entry_path} does not point at {found.name} yet")
        return ok(f"{found.name}, key {repo.fingerprint[-16:]} verified")

    def apply(self, ctx: Context) -> None:
        rec = recipe(ctx)
        repo = rec.repository
        if repo is None:
            return
        for argv in rec.prepare:
            run_package_command(ctx, rec, argv)
        expected = normalize(repo.fingerprint)

        def trusted(data: bytes) -> None:
            try:
                got = fingerprint(data)
            except NotAKey as exc:
                raise StepError(f"{repo.key_url} is not an OpenPGP key: {exc}",
                                "Check docker.repo_url (a mirror of download.docker.com).") \
                    from exc
            if got != expected:
                raise StepError(
                    f"the key at {repo.key_url} has fingerprint {got}, not Docker's "
                    f"{expected}: it is not trusted and nothing was installed",
                    "Check that docker.repo_url is a genuine mirror; if your mirror re-signs "
                    "the repository, set docker.key_fingerprint to its key's fingerprint.",
                )

        ctx.log(f"fetching Docker's signing key from {repo.key_url}")
        ctx.host.download(repo.key_url, Path(repo.key_path), 0o644, trusted)
        if repo.after_key:
            run_package_command(ctx, rec, repo.after_key)
        ctx.host.write_file(Path(repo.entry_path), repo.entry, 0o644)
        ctx.facts.packages_refreshed = False  # a new source: its packages are not listed yet


class DockerInstalled:
    """The Docker engine is installed from the chosen source, with nothing that clashes."""

    id = "docker.installed"
    title = "Docker engine is installed"

    def probe(self, ctx: Context) -> Finding:
        version = engine_version(ctx.host)
        if version is not None:
            shown = f"{version[0]}.{version[1]}"
            if version < MIN_ENGINE:
                return warning(
                    f"Docker {shown} is installed; CHT needs 20.10 or newer",
                    "Upgrade Docker with your package manager (e.g. `apt-get install "
                    "--only-upgrade docker-ce`), or remove it and re-run cht-install.",
                )
            return ok(f"Docker {shown} is installed")
        found = resolve_for(ctx)
        if isinstance(found, Refusal):
            return needed("the Docker engine is not installed")
        if ctx.host.live and SNAP_DOCKER.exists():
            return blocked("snap's docker is installed, which cannot run CHT's stack",
                           "Remove it with `snap remove docker`, then run cht-install again.")
        clashes = [name for name in installed_packages(ctx, found, found.conflicts)
                   if name not in found.engine]
        if clashes:
            remove = "apt-get remove" if found.manager.name == "apt" else "dnf remove"
            return blocked(
                f"packages that clash with {found.name} are installed: {', '.join(clashes)}",
                f"Remove them (`{remove} {' '.join(clashes)}`), or keep the distribution's "
                "Docker with [[docker.source=distro]]; then run cht-install again.",
            )
        client = ctx.host.which("docker")
        note = f" (only the docker client {client} is present)" if client else ""
        return needed(f"the Docker engine is not installed{note}")

    def apply(self, ctx: Context) -> None:
        rec = recipe(ctx)
        if rec.note:
            ctx.log(rec.note)
        if rec.repository is None:  # with a repository, docker.repository prepared it
            for argv in rec.prepare:
                run_package_command(ctx, rec, argv)
        # The compose the recipe packages, when it is not installed yet, comes in the same
        # transaction (as the docs' one `apt-get install docker.io docker-compose`):
        # compose.available then finds it working.
        compose = () if compose_found(ctx.host) else tuple(
            name for name in rec.compose if name not in installed_packages(ctx, rec, (name,)))
        install_packages(ctx, rec, (*rec.engine, *compose),
                         "the Docker engine and compose" if compose else "the Docker engine")


def old_daemon(host: Host) -> int | None:
    """The pid of a dockerd still alive (e.g. shutting down: stopping containers can take
    10 s or more, and a second dockerd fails with "pid file found")."""
    text = (host.read_text(DOCKER_PID_FILE) or "").strip()
    if not text.isdigit():
        return None
    comm = (host.read_text(Path(f"/proc/{text}/comm")) or "").strip()
    return int(text) if comm == "dockerd" else None


def wait_for_old_daemon(ctx: Context) -> None:
    pid = old_daemon(ctx.host)
    if pid is None:
        return
    ctx.log(f"the Docker daemon (pid {pid}) is still shutting down (it stops the containers "
            "first): waiting for it to exit before starting it again")
    ctx.progress(0, 0, "waiting for the previous Docker daemon to exit")
    if not ctx.host.wait_until(lambda: old_daemon(ctx.host) is None, DAEMON_STOP_TIMEOUT,
                               "the previous Docker daemon to exit"):
        raise StepError(
            f"the Docker daemon (pid {pid}) has been shutting down for over "
            f"{DAEMON_STOP_TIMEOUT:.0f} s",
            f"Wait for it to finish, or stop it with `kill {pid}` (`kill -9 {pid}` if it "
            "stays), then run cht-install again.")


PROXY_DROP_IN = "docker.service.d/cht-install-proxy.conf"  # under the systemd folder


def docker_proxy_environment(proxies: Proxies) -> dict[str, str]:
    """The variables dockerd reads its proxies from (Docker's "Configure the daemon to use
    a proxy" page: HTTP_PROXY, HTTPS_PROXY, NO_PROXY)."""
    found = {"HTTP_PROXY": proxies.http, "HTTPS_PROXY": proxies.https,
             "NO_PROXY": proxies.no_proxy}
    return {key: value for key, value in found.items() if value}


def proxy_drop_in(proxies: Proxies) -> str:
    lines = ["# Written by cht-install from the answers' proxy (Docker's proxy page).",
             "[Service]"]
    lines += [f'Environment="{key}={value}"'
              for key, value in docker_proxy_environment(proxies).items()]
    return "\n".join(lines) + "\n"


def daemon_environment(ctx: Context) -> dict[str, str] | None:
    """The running dockerd's environment (systemd: the unit's); None when none runs."""
    if ctx.platform.systemd:
        shown = ctx.host.query(["systemctl", "show", "docker", "--property=Environment"])
        if not shown.ok:
            return None
        words = shown.stdout.strip().removeprefix("Environment=").split()
        return dict(word.split("=", 1) for word in words if "=" in word)
    pid = old_daemon(ctx.host)
    if pid is None:
        return None
    raw = ctx.host.read_bytes(Path(f"/proc/{pid}/environ")) or b""
    pairs = [item.decode(errors="replace") for item in raw.split(b"\0") if b"=" in item]
    return dict(pair.split("=", 1) for pair in pairs)


def wanted_proxies(ctx: Context) -> Proxies:
    return proxies_for(ctx.config, os.environ)


class DockerProxy:
    """Docker pulls through the proxy when one is set (Docker's own proxy settings)."""

    id = "docker.proxy"
    title = "Docker pulls through the proxy"

    def probe(self, ctx: Context) -> Finding:
        proxies = wanted_proxies(ctx)
        if not proxies.any:
            return ok("no proxy is set: Docker connects directly")
        wanted = docker_proxy_environment(proxies)
        if ctx.platform.systemd:
            drop_in = ctx.paths.systemd_dir / PROXY_DROP_IN
            if ctx.host.read_text(drop_in) != proxy_drop_in(proxies):
                return needed(f"Docker's service has no proxy setting yet ({drop_in})")
        running = daemon_environment(ctx)
        if running is None:
            return ok(f"Docker will start with the proxy {proxies.words()}")
        if any(running.get(key) != value for key, value in wanted.items()):
            return needed("Docker runs without the proxy (it started before it was set)")
        return ok(f"Docker pulls through {proxies.words()}")

    def apply(self, ctx: Context) -> None:
        proxies = wanted_proxies(ctx)
        for secret in proxies.secrets():
            ctx.host.add_secret(secret)  # the drop-in holds it: never in a plan or the log
        if ctx.platform.systemd:
            ctx.host.write_file(ctx.paths.systemd_dir / PROXY_DROP_IN, proxy_drop_in(proxies),
                                0o600)
            commands = [["systemctl", "daemon-reload"]]
            if ctx.host.query(["systemctl", "is-active", "docker"]).stdout.strip() == "active":
                commands.append(["systemctl", "restart", "docker"])
            for argv in commands:
                done = ctx.host.run(argv)
                if not done.ok:
                    raise StepError(f"`{' '.join(argv)}` failed: {done.tail(2)}",
                                    "Read `journalctl -u docker`, fix what it reports, then "
                                    "run cht-install again.")
            return
        # No systemd: Docker is started again by the next step, with the proxy in its
        # environment (the init script's `service` would clear it).
        pid = old_daemon(ctx.host)
        if pid is not None:
            ctx.log(f"stopping the Docker daemon (pid {pid}) to start it with the proxy")
            ctx.host.run(["kill", str(pid)])
            wait_for_old_daemon(ctx)


class DockerRunning:
    """The Docker daemon answers (started by systemd, its start script, or by cht-install)."""

    id = "docker.running"
    title = "Docker engine is running"

    def probe(self, ctx: Context) -> Finding:
        client = ctx.host.docker()
        if client is None:
            return needed("the Docker daemon is not answering")
        try:
            version = str(client.version().get("Version", "unknown"))
        except docker_errors():
            return needed("the Docker daemon is not answering")
        return ok(f"Docker {version} is answering")

    def apply(self, ctx: Context) -> None:
        host = ctx.host
        wait_for_old_daemon(ctx)
        # (None: started by the service manager; else why cht-install starts dockerd itself)
        ourselves: str | None = None
        if ctx.platform.systemd:
            started = host.run(["systemctl", "start", "docker"])
        elif wanted_proxies(ctx).any:
            started = None
            ourselves = ("starting dockerd with the proxy (`service docker start` would "
                         "start it without)")
        else:
            started = host.run(["service", "docker", "start"])
        if started is not None and not started.ok:
            # e.g. Debian's init script fails in containers and VMs whose file limit is
            # below its `ulimit -n 1048576`; run the daemon ourselves, detached.
            ourselves = (f"`{' '.join(started.argv)}` failed ({started.tail(1)}); "
                         "starting dockerd")

        def managed() -> bool:
            return True  # the service manager runs it: assume it is trying

        daemon_running: Callable[[], bool] = managed
        if ourselves is not None:
            ctx.log(ourselves)
            daemon_running = host.spawn(["dockerd"], ctx.paths.dockerd_log)
        ctx.progress(0, 0, "waiting for the Docker daemon")
        answered = host.wait_until(lambda: host.docker() is not None or not daemon_running(),
                                   DAEMON_START_TIMEOUT, "the Docker daemon")
        if not answered or (not daemon_running() and host.docker() is None):
            tail = (host.read_text(ctx.paths.dockerd_log) or "").strip().splitlines()[-5:]
            what = ("dockerd stopped right after starting" if not daemon_running()
                    else f"the Docker daemon did not start within {DAEMON_START_TIMEOUT:.0f} s")
            raise StepError(
                what + ("; the last lines of its log: " + " | ".join(tail) if tail else ""),
                f"Read {ctx.paths.dockerd_log} (or `journalctl -u docker`), fix what it "
                "reports, then run cht-install again.",
            )
        host.query(["docker", "info"])  # for the log: what the engine says about itself


class DockerEnabledAtBoot:
    """Docker starts when the server boots."""

    id = "docker.enabled-at-boot"
    title = "Docker starts when the server boots"

    def probe(self, ctx: Context) -> Finding:
        if ctx.platform.systemd:
            state = ctx.host.query(["systemctl", "is-enabled", "docker"]).stdout.strip()
            if state == "enabled":
                return ok("docker.service is enabled")
            return needed(f"docker.service is {state or 'not enabled'}")
        runlevels = [f"/etc/rc{level}.d" for level in range(2, 6)]
        links = ctx.host.query(["find", *runlevels, "-name", "S*docker"])
        if links.stdout.strip():
            return ok("this server has no systemd: Docker's start script is set to run at "
                      "boot")
        return needed("this server has no systemd, and Docker's start script is not set to "
                      "run at boot")

    def apply(self, ctx: Context) -> None:
        # SysV: `defaults` does nothing while any link is left (e.g. K links after someone
        # removed the S ones), so the links are made again from scratch.
        commands = (
            [["systemctl", "enable", "docker"]]
            if ctx.platform.systemd
            else [["update-rc.d", "-f", "docker", "remove"], ["update-rc.d", "docker", "defaults"]]
        )
        for argv in commands:
            result = ctx.host.run(argv)
            if not result.ok:
                raise StepError(f"`{' '.join(argv)}` failed: {result.tail(2)}",
                                "Enable Docker at boot by hand, then run cht-install again.")


class DockerGroup:
    """The user the settings name may run docker without sudo (only when asked)."""

    id = "docker.group"
    title = "Your user may run docker"

    def probe(self, ctx: Context) -> Finding:
        user = ctx.config.docker.group_user
        if not user:
            return ok("not asked for: docker needs sudo")
        groups = ctx.host.query(["id", "-nG", user])
        if not groups.ok and ctx.host.live:
            return blocked(f"there is no user {user} on this server",
                           "Set [[docker.group_user]] to an existing user, or to none.")
        if "docker" in groups.stdout.split():
            return ok(f"{user} is in the docker group")
        return needed(f"{user} is not in the docker group yet")

    def apply(self, ctx: Context) -> None:
        user = str(ctx.config.docker.group_user)
        result = ctx.host.run(["usermod", "-aG", "docker", user])
        if not result.ok:
            raise StepError(f"could not add {user} to the docker group: {result.tail(2)}",
                            f"Run `usermod -aG docker {user}` to see why.")
        ctx.log(f"{user} may run docker after logging in again")


class ComposeAvailable:
    """A compose the line supports works (`docker compose`; v1's docker-compose for 3.x)."""

    id = "compose.available"
    title = "docker compose is available"

    def probe(self, ctx: Context) -> Finding:
        v2_needed = ctx.line.needs_compose_v2
        found = compose_found(ctx.host, None if v2_needed else compose_v1_made(
            ctx.host, cht3.PROJECT))
        argv = found[0] if found else None
        if v2_needed and argv != ["docker", "compose"]:
            refusal = compose_v2_refusal(ctx)
            if refusal is not None:
                return refusal
        if found is None:
            return needed("neither `docker compose` nor `docker-compose` works")
        argv, version = found
        ctx.facts.compose = argv
        parsed = version_of(version)
        if v2_needed and (argv != ["docker", "compose"] or (parsed or (0, 0)) < (2, 0)):
            return needed(f"CHT {ctx.config.version} needs the `docker compose` command (Compose "
                          f"version 2); this server has `{' '.join(argv)}` {version}".rstrip(),
                          "cht-install installs Docker's compose plugin.")
        if parsed is not None and parsed < MIN_COMPOSE:
            return warning(
                f"`{' '.join(argv)}` {version} is older than CHT needs (1.27)",
                "Upgrade compose (the docker-compose-plugin package gives v2), or accept "
                "the risk.",
            )
        return ok(f"`{' '.join(argv)}` {version}".strip())

    def apply(self, ctx: Context) -> None:
        rec = recipe(ctx)
        if rec.compose_binary is not None:
            binary = rec.compose_binary
            fetch_checked_binary(ctx, binary.url, binary.checksum_url, Path(binary.path))
            ctx.facts.compose = ["docker", "compose"]
            return
        packages = rec.compose or (COMPOSE_PLUGIN if compose_plugin_wanted(ctx, rec) else ())
        missing = [p for p in packages if p not in installed_packages(ctx, rec, packages)
                   and p not in ctx.facts.packages_installed]
        if missing:
            install_packages(ctx, rec, tuple(missing), "compose")
        v1 = gives_compose_v1(rec, ctx.platform.codename)
        ctx.facts.compose = ["docker-compose"] if v1 else ["docker", "compose"]


# Distributions whose package named docker-compose is compose v2 (Debian 13 onwards; on
# Fedora and openSUSE it is v2 too, and those use dnf/zypper); on Debian 11/12, Raspbian and
# Ubuntu 20.04 it is Python's docker-compose v1.
APT_COMPOSE_V2 = ("trixie", "forky")


def gives_compose_v1(rec: Recipe, codename: str) -> bool:
    """Whether this recipe's compose is docker-compose v1."""
    return (rec.compose_binary is None and rec.compose == ("docker-compose",)
            and rec.manager.name == "apt" and codename not in APT_COMPOSE_V2)


def compose_v2_refusal(ctx: Context) -> Finding | None:
    """Blocked when the current line is chosen and this platform's Docker source only
    gives compose v1 (CHT no longer supports docker-compose v1)."""
    rec = recipe_or_none(ctx)
    if rec is None or not gives_compose_v1(rec, ctx.platform.codename):
        return None
    return blocked(
        f"CHT {ctx.config.version} needs the `docker compose` command (Compose version 2), and "
        "Docker from this system's own packages only has the older `docker-compose` "
        "(version 1), which CHT no longer supports",
        "Use Docker's own repository: [[docker.source=official]], then run cht-install again.",
        "Press Esc, open \"More settings\" and choose Docker's own repository under \"Where "
        "Docker comes from\", then go on.")


def fetch_checked_binary(ctx: Context, url: str, checksum_url: str, to: Path) -> None:
    """Download a release binary and its published SHA-256; install only if they agree."""
    sums: dict[str, str] = {}

    def record(data: bytes) -> None:
        text = data.decode(errors="replace").split()
        if not text or not re.fullmatch(r"[0-9a-f]{64}", text[0]):
            raise StepError(f"{checksum_url} is not a SHA-256 checksum file",
                            "Check the network path to the release downloads.")
        sums["expected"] = text[0]

    def matches(data: bytes) -> None:
        got = hashlib.sha256(data).hexdigest()
        if got != sums.get("expected"):
            raise StepError(f"{url} does not match its published checksum ({got})",
                            "Try again later; if it persists, the download is being altered.")

    ctx.host.download(checksum_url, to.with_name(to.name + ".sha256"), 0o644, record)
    ctx.host.download(url, to, 0o755, matches)
