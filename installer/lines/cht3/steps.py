"""cht.compose-file and cht.running: the CHT stack's files, and its containers up and ready."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installer.containers import (
    CRASH_FIX,
    crash_loop,
    last_lines,
    last_start,
    ports_taken,
    remove_cut_recreations,
    restart_count,
)
from installer.host.docker_api import docker_errors
from installer.lines import env_mode
from installer.lines.cht3 import facts as cht3
from installer.lines.cht3.files import (
    VOLUME,
    env_quoted,
    new_password,
    password_from_env,
    render_compose,
    render_env,
)
from installer.step import Context, Finding, StepError, blocked, broken, needed, ok
from installer.steps.docker import compose_for

PROJECT = cht3.PROJECT
READY_TIMEOUT = 900.0
CONTAINERS = ("medic-os", "haproxy")


LOST_PASSWORD_FIX = (
    "If you know the admin password, give it: [[admin_password]] (cht-install keeps it in "
    "{env}, readable by root only). If nobody knows "
    "it, set a new one in CouchDB first (the [admins] section of "
    "/srv/settings/medic-core/couchdb/local.ini inside medic-os, then `docker restart medic-os`), "
    "and give that one. cht-install never invents a new password for an existing database."
)


def database_exists(ctx: Context) -> bool:
    """Whether CHT's data already exists (the medic-data volume, or a non-empty data path)."""
    if ctx.config.data != "volume":
        path = Path(ctx.config.data)
        return ctx.host.live and path.is_dir() and any(path.iterdir())
    return volume_exists(ctx.host.docker())


def volume_exists(client: Any | None) -> bool:
    """Whether Docker (when it answers) has CHT's data volume."""
    if client is None:
        return False
    try:
        client.volumes.get(VOLUME)
    except docker_errors():
        return False
    return True


def lost_secret(ctx: Context) -> Finding | None:
    """Blocked when .env lost its password, CHT's database exists and none was given."""
    if password_from_env(ctx.host.read_text(ctx.paths.env_file)) is not None:
        return None
    if ctx.config.admin_password or not database_exists(ctx):
        return None
    return blocked(
        f"the admin password ({ctx.paths.env_file}) is lost, and CHT's database already "
        "exists: a new password would lock CHT out of its own data",
        LOST_PASSWORD_FIX.format(env=ctx.paths.env_file),
    )


def admin_password(ctx: Context) -> str:
    """The password already in .env, else the one chosen, else a new one (once)."""
    lost = lost_secret(ctx)
    if lost is not None:
        raise StepError(lost.reason, lost.fix, lost.on_screen)
    existing = password_from_env(ctx.host.read_text(ctx.paths.env_file))
    ctx.facts.new_password = ctx.facts.new_password or new_password()
    password = existing or ctx.config.admin_password or ctx.facts.new_password
    ctx.host.add_secret(password)
    return password


def srv_mount(ctx: Context) -> dict[str, Any] | None:
    """What medic-os has at /srv (Docker's mount: Name, Source); None when it is not here."""
    client = ctx.host.docker()
    try:
        mounts = client.containers.get("medic-os").attrs.get("Mounts") or [] if client else []
    except docker_errors():
        mounts = []
    return next((mount for mount in mounts if mount.get("Destination") == "/srv"), None)


def where_data_is(ctx: Context) -> str | None:
    """Where the existing CHT keeps its data (the source mounted at /srv in medic-os, else
    the medic-data volume if it exists); None when there is no CHT data yet."""
    client = ctx.host.docker()
    if client is None:
        return None
    mount = srv_mount(ctx)
    if mount is not None:
        return str(mount.get("Name") or mount.get("Source"))
    if ctx.config.data == "volume" or database_exists(ctx):
        return None  # nothing runs yet, and the data is where the answers say
    return VOLUME if volume_exists(client) else None


def data_would_move(ctx: Context) -> Finding | None:
    """Blocked when the answers would mount other data than the existing CHT's: the
    installer never moves, hides or removes CHT's data."""
    current = where_data_is(ctx)
    wanted = VOLUME if ctx.config.data == "volume" else ctx.config.data
    if current is None or current == wanted:
        return None
    return blocked(
        f"CHT's data is in {current}, but it is now asked to be in {ctx.config.data}; "
        "switching would start CHT without its data, so cht-install will not do it",
        f"Keep [[data={'volume' if current == VOLUME else current}]]. To move the data, "
        "remove the containers (`docker rm -f medic-os haproxy`: the data stays), copy it "
        f"yourself (e.g. `docker run --rm -v {current}:/from -v {wanted}:/to debian cp -a "
        "/from/. /to/`), then change [[data]].",
    )


def migration_under_way(ctx: Context) -> str | None:
    """The release a `cht-install migrate` started here is moving 3.x to, if one is."""
    from installer.migration import note

    kept = note.found(ctx)
    return kept.new if kept is not None and kept.phase == note.STARTED else None


def other_line_install(ctx: Context) -> Finding | None:
    """Blocked when this server runs CHT's current line (its upgrade service): 3.x would
    fight it for the ports and could not use its data."""
    from installer.lines.current import facts as line

    client = ctx.host.docker()
    name = line.container_name(line.UPGRADE_SERVICE, line.UPGRADE_PROJECT)
    try:
        found = client is not None and bool(client.containers.get(name))
    except docker_errors():
        found = False
    if not found:
        return None
    under_way = migration_under_way(ctx)
    if under_way:
        return blocked(
            f"a migration of this CHT 3.x site to CHT {under_way} is under way; 3.x must not "
            "start beside it",
            "Run `sudo cht-install migrate` to finish the migration, or `sudo cht-install "
            "migrate --back` to return to 3.x as it was.")
    return blocked(
        f"this server runs CHT's current line (container {name}); CHT 3.x cannot run beside "
        "it, and would not use its data",
        "Keep the current line: set cht_version to its release (as in "
        f"{ctx.paths.answers}). cht-install does not move data between CHT lines.",
        "Keep the current line: press Esc and choose CHT 5.x / 4.x under \"Which CHT\", with "
        f"its release as \"CHT version\" (as in {ctx.paths.answers}). cht-install does not "
        "move data between CHT lines.")


class ComposeFiles:
    """CHT 3.x's compose file and .env are as the answers make them.

    The password is kept (never a new one for existing data), the data never moved, and
    no other CHT line runs on this server.
    """

    id = "cht.compose-file"
    title = "CHT compose file and secrets are written"

    def probe(self, ctx: Context) -> Finding:
        current = ctx.host.read_text(ctx.paths.compose_file)
        lost = other_line_install(ctx) or lost_secret(ctx) or data_would_move(ctx)
        if lost is not None:
            return lost
        if current is None:
            return needed(f"{ctx.paths.compose_file} does not exist yet")
        if current != render_compose(ctx.config):
            saved = ctx.facts.saved_answers
            if saved is not None and current == render_compose(saved):
                return needed(f"the answers changed (ports, images or data): "
                              f"{ctx.paths.compose_file} is rewritten to match them")
            if ctx.facts.keep_compose_edits:
                return ok(f"{ctx.paths.compose_file} keeps your edits (you chose to keep "
                          "them; doctor will still point them out)")
            return broken(
                f"{ctx.paths.compose_file} differs from the saved answers",
                "cht-install rewrites it (a copy is kept as docker-compose.yml.bak).",
            )
        env_text = ctx.host.read_text(ctx.paths.env_file)
        if password_from_env(env_text) is None:
            return needed(f"{ctx.paths.env_file} with the admin password does not exist yet")
        if not env_quoted(env_text):
            return needed(f"{ctx.paths.env_file} holds the password unquoted; compose could "
                          "change a $ or # in it",
                          "cht-install writes it quoted (same password).")
        mode = env_mode(ctx, ctx.paths.env_file)
        if mode != 0o600:
            return broken(f"{ctx.paths.env_file} has mode {mode:04o}; it holds a secret",
                          "cht-install sets it to 0600.")
        return ok(f"{ctx.paths.compose_file} and {ctx.paths.env_file.name} are in place")

    def apply(self, ctx: Context) -> None:
        host, paths = ctx.host, ctx.paths
        moving = other_line_install(ctx) or data_would_move(ctx)
        if moving is not None:
            raise StepError(moving.reason, moving.fix, moving.on_screen)
        password = admin_password(ctx)
        current = host.read_text(paths.compose_file)
        wanted = render_compose(ctx.config)
        if current is not None and current != wanted:
            host.write_file(paths.compose_file.with_suffix(".yml.bak"), current, 0o644)
        if current != wanted:
            host.write_file(paths.compose_file, wanted, 0o644)
        env_text = host.read_text(paths.env_file)
        if (password_from_env(env_text) != password or not env_quoted(env_text)
                or env_mode(ctx, ctx.paths.env_file) != 0o600):
            host.write_file(paths.env_file, render_env(password), 0o600)


@dataclass(frozen=True)
class Boot:
    """How far medic-os got since it last started, from its own log lines."""

    started: bool  # "System started successfully"
    percent: int  # the last "Setting up software (N% complete)..."
    fatal: str  # its last "Fatal: ..." line, if any


def boot_progress(container: Any) -> Boot:
    """Read medic-os's logs since its last start (streamed, never loaded whole)."""
    since = last_start(container.attrs)
    percent, fatal, carry = 0, "", b""
    for chunk in container.logs(stream=True, follow=False, since=since):
        window = carry + chunk
        lines = window.split(b"\n")
        carry = lines.pop()
        for line in lines:
            if cht3.STARTED in line:
                return Boot(True, 100, "")
            found = cht3.UNPACK_PROGRESS.search(line)
            if found:
                percent = int(found.group(1))
            elif cht3.FATAL.search(line):
                fatal = line.decode(errors="replace").strip()
    if cht3.STARTED in carry:
        return Boot(True, 100, "")
    return Boot(False, percent, fatal)


def containers(ctx: Context) -> tuple[dict[str, Any], Boot | None] | None:
    """Per container, its attributes (None when absent); and how far medic-os booted."""
    client = ctx.host.docker()
    if client is None:
        return None
    attrs: dict[str, Any] = {}
    boot = None
    for name in CONTAINERS:
        try:
            container = client.containers.get(name)
        except docker_errors():
            attrs[name] = None
            continue
        attrs[name] = container.attrs
        if name == "medic-os" and container.status == "running":
            boot = boot_progress(container)
    return attrs, boot


def wanted_image(ctx: Context, name: str) -> str:
    """The image the answers have a container run (medic-os or haproxy)."""
    return ctx.config.image_ref(
        ctx.config.images.medic_os if name == "medic-os" else ctx.config.images.haproxy)


def foreign_or_wrong(ctx: Context, name: str, info: dict[str, Any]) -> bool:
    """A container compose would not replace by itself: not its own, or another image."""
    labels = info["Config"].get("Labels") or {}
    return labels.get("com.docker.compose.project") != PROJECT or (
        info["Config"]["Image"] != wanted_image(ctx, name))


def problems(ctx: Context, attrs: dict[str, Any]) -> list[str]:
    wanted = {name: wanted_image(ctx, name) for name in CONTAINERS}
    found = []
    for name in CONTAINERS:
        info = attrs.get(name)
        if info is None:
            found.append(f"{name} does not exist")
            continue
        if not info["State"]["Running"]:
            found.append(f"{name} is {info['State']['Status']}")
        if info["Config"]["Image"] != wanted[name]:
            found.append(f"{name} runs {info['Config']['Image']}, not {wanted[name]}")
        if info["HostConfig"]["RestartPolicy"]["Name"] != "always":
            found.append(f"{name} does not restart automatically")
    return found


class ServicesRunning:
    """medic-os and haproxy run from cht-install's compose file and have finished starting.

    They restart always; a crash loop is named with its last log lines.
    """

    id = "cht.running"
    title = "CHT containers are running and set up"

    def probe(self, ctx: Context) -> Finding:
        state = containers(ctx)
        running = state is not None and bool(state[0].get("medic-os")) and bool(
            state[0]["medic-os"]["State"]["Running"])
        if not running:
            taken = ports_taken(ctx)
            if taken is not None:
                return taken
        if state is None:
            return needed("Docker is not running yet, so CHT cannot be checked")
        attrs, boot = state
        if all(attrs[name] is None for name in CONTAINERS):
            return needed("CHT is not started yet")
        client = ctx.host.docker()
        for name in CONTAINERS:
            crashing = crash_loop(client, name) if attrs[name] is not None else None
            if crashing:
                return broken(crashing, CRASH_FIX.format(name=name))
        wrong = problems(ctx, attrs)
        if wrong:
            return broken("; ".join(wrong), "cht-install starts them again with compose.")
        if boot is None or not boot.started:
            percent = boot.percent if boot else 0
            return needed(f"medic-os is still starting (setting up software: {percent}%)")
        return ok("medic-os and haproxy are running; medic-os reports "
                  "\"System started successfully\"")

    def apply(self, ctx: Context) -> None:
        state = containers(ctx)
        client = ctx.host.docker()
        for name, info in (state[0] if state else {}).items():
            if info is not None and crash_loop(client, name):
                ctx.log(f"{name} was crash-looping: recreating the container (its data "
                        "volume stays)")
                ctx.host.container_remove(name)
            elif info is not None and foreign_or_wrong(ctx, name, info):
                ctx.log(f"{name} was not made from {PROJECT}'s compose file, or runs another "
                        "image: removing the container (its data volume stays)")
                ctx.host.container_remove(name)
        remove_cut_recreations(ctx, list(CONTAINERS))
        argv = [*compose_for(ctx), "-p", PROJECT, "-f", str(ctx.paths.compose_file), "up", "-d"]
        ctx.progress(0, 100, "starting containers")
        result = ctx.host.run(argv)
        if not result.ok:
            raise StepError(
                f"`docker compose up` failed: {result.tail(3)}",
                "Read the log for compose's full output; fix what it reports and re-run.",
            )
        baselines = {name: restart_count(client, name) for name in CONTAINERS}
        ctx.progress(0, 100, "medic-os: setting up software")
        failure: list[str] = []

        def started() -> bool:
            for name in CONTAINERS:
                crashing = crash_loop(client, name, baselines[name])
                if crashing:
                    failure[:] = [crashing, CRASH_FIX.format(name=name)]
                    return True
            state = containers(ctx)
            boot = state[1] if state else None
            if boot is not None:
                ctx.progress(boot.percent, 100, "medic-os: setting up software"
                             if not boot.started else "medic-os: services started")
            return boot is not None and boot.started

        if not ctx.host.wait_until(started, READY_TIMEOUT, "medic-os to start its services"):
            tail = last_lines(client.containers.get("medic-os")) if client else ""
            raise StepError(
                f"medic-os did not say \"System started successfully\" within "
                f"{READY_TIMEOUT:.0f} s; its last log lines:\n{tail}",
                "Check `docker logs medic-os` for the cause (memory, disk), fix it, re-run.",
            )
        if failure:
            raise StepError(failure[0], failure[1])
        ctx.progress(100, 100, "medic-os: services started")
