"""Docker engine and compose: installed, running, enabled at boot, compose found."""

from __future__ import annotations

from installer.host import Host
from installer.recipes import Recipe, recipe_for
from installer.step import Context, Finding, StepError, needed, ok

DAEMON_START_TIMEOUT = 60.0


def _recipe(ctx: Context) -> Recipe:
    recipe = recipe_for(ctx.platform, ctx.config.docker.source)
    if recipe is None:
        raise StepError("no Docker recipe for this platform", "see the os.supported step")
    return recipe


def _install(ctx: Context, packages: list[str], what: str) -> None:
    recipe = _recipe(ctx)
    ctx.log(f"installing {what}: {' '.join(packages)}")
    for index, argv in enumerate((recipe.refresh_command(), recipe.install_command(packages))):
        ctx.progress(index, 2, " ".join(argv))
        result = ctx.host.run(argv, env=recipe.env)
        if not result.ok:
            raise StepError(
                f"`{' '.join(argv)}` failed: {result.tail(3)}",
                "Check the server's package sources and network, then run cht-install again "
                "(details in the log).",
            )
    ctx.progress(2, 2, "installed")


def docker_version(host: Host) -> str | None:
    client = host.docker()
    if client is None:
        return None
    try:
        return str(client.version().get("Version", "unknown"))
    except Exception:
        return None


def compose_command(host: Host) -> list[str] | None:
    """``docker compose`` (v2) when it works, else ``docker-compose`` (v1), else None."""
    for argv in (["docker", "compose"], ["docker-compose"]):
        if host.query([*argv, "version"]).ok:
            return argv
    return None


class DockerInstalled:
    id = "docker.installed"
    title = "Docker engine is installed"

    def probe(self, ctx: Context) -> Finding:
        dockerd = ctx.host.which("dockerd")
        if dockerd:
            return ok(f"Docker engine found ({dockerd})")
        client_only = ctx.host.which("docker")
        note = f" (only the docker client {client_only} is present)" if client_only else ""
        return needed(f"the Docker engine is not installed{note}")

    def apply(self, ctx: Context) -> None:
        _install(ctx, list(_recipe(ctx).engine_packages), "the Docker engine")


class DockerRunning:
    id = "docker.running"
    title = "Docker engine is running"

    def probe(self, ctx: Context) -> Finding:
        version = docker_version(ctx.host)
        if version:
            return ok(f"Docker {version} is answering")
        return needed("the Docker daemon is not answering")

    def apply(self, ctx: Context) -> None:
        host = ctx.host
        if ctx.platform.systemd:
            started = host.run(["systemctl", "start", "docker"])
        else:
            started = host.run(["service", "docker", "start"])
        if not started.ok:
            # e.g. Debian's init script fails in containers and VMs whose file limit is
            # below its `ulimit -n 1048576`; run the daemon ourselves, detached.
            ctx.log(f"`{' '.join(started.argv)}` failed ({started.tail(1)}); starting dockerd")
            host.spawn(["dockerd"], ctx.paths.dockerd_log)
        ctx.progress(0, 0, "waiting for the Docker daemon")
        if not host.wait_until(
            lambda: host.docker() is not None, DAEMON_START_TIMEOUT, "the Docker daemon"
        ):
            tail = (host.read_text(ctx.paths.dockerd_log) or "").strip().splitlines()[-5:]
            raise StepError(
                "the Docker daemon did not start within 60 s"
                + (": " + " | ".join(tail) if tail else ""),
                f"Read {ctx.paths.dockerd_log} (or `journalctl -u docker`), fix what it "
                "reports, then run cht-install again.",
            )


class DockerEnabledAtBoot:
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
            return ok("no systemd: the docker init script is enabled for runlevels 2-5")
        return needed("no systemd, and the docker init script is not enabled")

    def apply(self, ctx: Context) -> None:
        argv = (
            ["systemctl", "enable", "docker"]
            if ctx.platform.systemd
            else ["update-rc.d", "docker", "defaults"]
        )
        result = ctx.host.run(argv)
        if not result.ok:
            raise StepError(f"`{' '.join(argv)}` failed: {result.tail(2)}",
                            "Enable Docker at boot by hand, then run cht-install again.")


class ComposeAvailable:
    id = "compose.available"
    title = "docker compose is available"

    def probe(self, ctx: Context) -> Finding:
        argv = compose_command(ctx.host)
        if argv is None:
            return needed("neither `docker compose` nor `docker-compose` works")
        ctx.facts["compose"] = argv
        version = ctx.host.query([*argv, "version", "--short"]).stdout.strip()
        return ok(f"`{' '.join(argv)}` {version}".strip())

    def apply(self, ctx: Context) -> None:
        package = _recipe(ctx).compose_package(ctx.platform)
        _install(ctx, [package], "compose")
        ctx.facts.setdefault(
            "compose", ["docker-compose"] if package == "docker-compose" else ["docker", "compose"]
        )
