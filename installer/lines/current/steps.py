"""cht.compose-file and cht.running for CHT's current line (4.x/5.x): CHT's own layout
(compose files of the chosen release, the upgrade service's compose file, its .env), started
the documented way (the upgrade service, which brings up CHT's services)."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from installer.answer_checks import CHT_VERSION
from installer.containers import (
    CRASH_FIX,
    crash_loop,
    cut_recreations,
    last_lines,
    last_start,
    ports_taken,
    remove_cut_recreations,
    restart_count,
)
from installer.host.docker_api import docker_errors
from installer.lines import env_mode, env_values, has_files
from installer.lines.current import facts as current
from installer.migration.note import migrated_here
from installer.step import Context, Finding, StepError, blocked, broken, needed, ok
from installer.steps.docker import compose_for

# ---- where things are -------------------------------------------------------------

def compose_dir(ctx: Context) -> Path:
    return ctx.paths.cht_dir / current.COMPOSE_DIR


def upgrade_dir(ctx: Context) -> Path:
    return ctx.paths.cht_dir / current.UPGRADE_DIR


def upgrade_compose(ctx: Context) -> Path:
    return upgrade_dir(ctx) / "docker-compose.yml"


def data_dir(ctx: Context) -> Path:
    """COUCHDB_DATA: the answers' host path, or CHT's layout's couchdb directory."""
    if ctx.config.data != "volume":
        return Path(ctx.config.data)
    return ctx.paths.cht_dir / current.COUCHDB_DIR


def kept_copy(ctx: Context, name: str) -> Path:
    """The release's compose file as downloaded (outside CHT_COMPOSE_PATH: the upgrade
    service starts every valid compose file it finds there, copies included)."""
    return (ctx.paths.journal.parent / "cht-compose" / ctx.config.version) / name


def builds_url(ctx: Context) -> str:
    return ctx.config.builds_url or current.BUILDS_URL


# ---- the .env -------------------------------------------------------------------

def wanted_settings(ctx: Context) -> dict[str, str]:
    """The .env's non-secret values, from the answers (CHT's install page's keys)."""
    config = ctx.config
    settings = {
        "CHT_COMPOSE_PROJECT_NAME": current.PROJECT,
        "DOCKER_CONFIG_PATH": str(upgrade_dir(ctx)),
        "COUCHDB_DATA": str(data_dir(ctx)),
        "CHT_COMPOSE_PATH": str(compose_dir(ctx)),
        "COUCHDB_USER": current.ADMIN_USER,
        "NGINX_HTTP_PORT": str(config.http_port),
        "NGINX_HTTPS_PORT": str(config.https_port),
        "CERTIFICATE_MODE": current.CERTIFICATE_MODES[config.tls.mode],
        "COMMON_NAME": config.hostname_ascii,
    }
    if config.tls.email:
        settings["EMAIL"] = config.tls.email
    settings.update(current.builds_settings(config.builds_url))
    return settings


def lost_secret(ctx: Context, existing: dict[str, str]) -> Finding | None:
    """Blocked when .env lost a secret while CHT's database exists (no new one may be
    made), with where to find it."""
    password = existing.get("COUCHDB_PASSWORD") or ctx.config.admin_password
    lost = [key for key, value in (("COUCHDB_PASSWORD", password),
                                   ("COUCHDB_SECRET", existing.get("COUCHDB_SECRET")))
            if not value]
    if not lost or not has_files(ctx, data_dir(ctx)):
        return None
    return blocked(*lost_secret_words(ctx, lost[0]))


def secrets_for(ctx: Context, existing: dict[str, str]) -> dict[str, str]:
    """COUCHDB_PASSWORD, COUCHDB_SECRET and COUCHDB_UUID: the ones in .env, else the chosen
    password and new ones (made once; never for a database that exists already)."""
    lost = lost_secret(ctx, existing)
    if lost is not None:
        raise StepError(lost.reason, lost.fix, lost.on_screen)
    made: dict[str, str] = {}
    facts = ctx.facts
    facts.new_password = facts.new_password or new_words()
    facts.new_secret = facts.new_secret or new_words()
    facts.new_uuid = facts.new_uuid or uuid.uuid4().hex
    made["COUCHDB_PASSWORD"] = (existing.get("COUCHDB_PASSWORD") or ctx.config.admin_password
                                or facts.new_password)
    made["COUCHDB_SECRET"] = existing.get("COUCHDB_SECRET") or facts.new_secret
    made["COUCHDB_UUID"] = existing.get("COUCHDB_UUID") or facts.new_uuid
    for key in current.SECRET_KEYS:
        ctx.host.add_secret(made[key])
    return made


def new_words() -> str:
    """A secret like the ones CHT's install page makes (seven parts joined by hyphens),
    from the system's random source; URL-safe, since CHT puts the password in a URL."""
    return "-".join(secrets.token_hex(3) for _ in range(7))


def lost_secret_words(ctx: Context, key: str) -> tuple[str, str]:
    env = ctx.line.env_file(ctx.paths)
    return (
        f"{key} is missing from {env}, and CHT's database already exists in "
        f"{data_dir(ctx)}: a new one would lock CHT out of its own data",
        f"Put the line {key}=... back in {env} (mode 0600) from your copy"
        + (", or give the password: [[admin_password]]"
           if key == "COUCHDB_PASSWORD" else
           "; CouchDB keeps it in its settings (`docker exec cht-couchdb-1 grep -r secret "
           "/opt/couchdb/etc/local.d/`)")
        + ". cht-install never invents new secrets for an existing database.",
    )


def render_env(settings: dict[str, str], made: dict[str, str], extra: list[str]) -> str:
    lines = ["# Written by cht-install from CHT's Docker install page; keep secret (0600).",
             "# cht-install keeps the secrets below; change them only as CHT's docs say."]
    values = {**settings, **made}
    lines += [f"{key}={values[key]}" for key in values]
    lines += extra
    return "\n".join(lines) + "\n"


def extra_lines(text: str | None, known: set[str]) -> list[str]:
    """Lines the operator added (CHT's optional settings, comments), kept as they are."""
    kept = []
    for line in (text or "").splitlines():
        key = line.partition("=")[0].strip()
        if line.startswith("# Written by cht-install") or line.startswith("# cht-install keeps"):
            continue
        if key not in known:
            kept.append(line)
    return kept


# ---- the compose files ----------------------------------------------------------

def services_of(text: str | None) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return {}
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else {}


def version_of_files(ctx: Context) -> str | None:
    """The CHT release the compose files in CHT_COMPOSE_PATH name (the api image's tag)."""
    text = ctx.host.read_text(compose_dir(ctx) / "cht-core.yml")
    image = str((services_of(text).get("api") or {}).get("image") or "")
    tag = image.rpartition(":")[2]
    return tag if ":" in image and CHT_VERSION.match(tag) else None


def release_key(version: str) -> tuple[int, int, int, int, str]:
    found = CHT_VERSION.match(version)
    if not found:
        return (0, 0, 0, 0, version)
    suffix = found.group(4) or ""
    final = 0 if suffix else 1  # 5.0.2-rc.1 comes before 5.0.2
    return (int(found.group(1)), int(found.group(2)), int(found.group(3)), final, suffix)


def check_compose(what: str) -> Any:
    def check(data: bytes) -> None:
        if not services_of(data.decode(errors="replace")):
            raise StepError(f"{what}, as downloaded, is not a compose file",
                            "Check the mirrors given ([[builds_url]], or upgrade_service_url in "
                            "an answers file): a mirror must serve CHT's files unchanged.")
    return check


def fetch(ctx: Context, url: str, to: Path, what: str, fix: str) -> None:
    """Download a compose file (checked to be one before it is written)."""
    try:
        ctx.host.download(url, to, 0o644, check_compose(what))
    except RuntimeError as exc:
        raise StepError(f"{what} could not be fetched from {url}: {exc}", fix) from exc


def other_line_install(ctx: Context) -> Finding | None:
    """Blocked when this server has CHT 3.x (medic-os), unless `cht-install migrate` moved
    its data here (3.x is then kept, stopped, until --finish)."""
    client = ctx.host.docker()
    if client is None or migrated_here(ctx):
        return None
    found = []
    for getter, name, what in ((client.containers.get, "medic-os", "a medic-os container"),
                               (client.volumes.get, "medic-data", "the medic-data volume")):
        try:
            getter(name)
            found.append(what)
        except docker_errors():
            continue
    if not found:
        return None
    guide = f"(CHT's guide: {current.MIGRATION_GUIDE}). To stay on 3.x, "
    moving = f"Moving to CHT {ctx.config.version} is a migration: `sudo cht-install migrate"
    return blocked(
        f"this server has CHT 3.x ({' and '.join(found)}): CHT {ctx.config.version} "
        "would start without that data",
        f"{moving} --to {ctx.config.version}` {guide}drop cht_version or give a 3.x one. "
        "medic-data is never touched.",
        f"{moving}` in a terminal {guide}press Esc and choose CHT 3.x under \"Which CHT\". "
        "medic-data is never touched.")


def data_would_move(ctx: Context, existing: dict[str, str]) -> Finding | None:
    before = existing.get("COUCHDB_DATA")
    wanted = str(data_dir(ctx))
    if not before or before == wanted or not ctx.host.live:
        return None
    if not has_files(ctx, Path(before)):
        return None
    return blocked(
        f"CHT's database is in {before}, but it is now asked to be in {wanted}; switching "
        "would start CHT without its data, so cht-install will not do it",
        f"Keep [[data={before}]]. To move it, "
        f"stop CHT (`docker compose -p {current.PROJECT} stop` in {compose_dir(ctx)}), copy "
        f"the directory yourself (`cp -a {before}/. {wanted}/`), then change [[data]].")


class NoOtherLine:
    """No CHT 3.x on this server: the current line would start without its data."""

    id = "cht.no-other-line"
    title = "No CHT 3.x install holds this server"

    def probe(self, ctx: Context) -> Finding:
        refusal = other_line_install(ctx)
        if refusal is not None:
            return refusal
        if ctx.host.docker() is None:
            return ok("Docker is not running: no CHT 3.x containers or data to find")
        return ok("no medic-os container and no medic-data volume")

    def apply(self, ctx: Context) -> None:
        refusal = other_line_install(ctx)
        if refusal is not None:
            raise StepError(refusal.reason, refusal.fix, refusal.on_screen)


class ComposeFiles:
    """CHT's compose files, the upgrade service's and .env are in CHT's layout under /opt/cht.

    The secrets are made once; the operator's own lines in .env are kept.
    """

    id = "cht.compose-file"
    title = "CHT compose files and secrets are written"

    def probe(self, ctx: Context) -> Finding:
        # (A 3.x install on this server stops the run before this: cht.no-other-line.)
        env_path = ctx.line.env_file(ctx.paths)
        env_text = ctx.host.read_text(env_path)
        existing = env_values(env_text)
        moving = data_would_move(ctx, existing)
        if moving is not None:
            return moving
        lost = lost_secret(ctx, existing)
        if lost is not None:
            return lost
        missing = [name for name in current.COMPOSE_FILES
                   if ctx.host.read_text(compose_dir(ctx) / name) is None]
        if missing:
            return needed(f"CHT {ctx.config.version}'s {' and '.join(missing)} are not in "
                          f"{compose_dir(ctx)} yet")
        found = version_of_files(ctx)
        wanted = ctx.config.version
        if found is None:
            return broken(f"{compose_dir(ctx)}/cht-core.yml does not name a CHT release",
                          f"cht-install downloads CHT {wanted}'s compose files again.")
        newer = ""
        if found != wanted:
            if release_key(found) < release_key(wanted):
                return needed(f"the compose files are CHT {found}'s; the answers say {wanted}",
                              f"cht-install downloads CHT {wanted}'s (an upgrade).")
            newer = f" (CHT {found}: upgraded from CHT's admin app; kept)"
        for name in current.COMPOSE_FILES:
            kept = ctx.host.read_text(kept_copy(ctx, name))
            now = ctx.host.read_text(compose_dir(ctx) / name)
            if not newer and kept is not None and now != kept:
                if ctx.facts.keep_compose_edits:
                    continue
                return broken(f"{compose_dir(ctx)}/{name} differs from CHT {wanted}'s",
                              "cht-install puts CHT's back (yours is kept in "
                              f"{ctx.paths.cht_dir}/compose-backup/).")
        upgrade = ctx.host.read_text(upgrade_compose(ctx))
        if upgrade is None:
            return needed(f"the upgrade service's {upgrade_compose(ctx)} does not exist yet")
        if not services_of(upgrade):
            return broken(f"{upgrade_compose(ctx)} is not a compose file",
                          "cht-install downloads it again.")
        if env_text is None:
            return needed(f"{env_path} (CHT's settings and secrets) does not exist yet")
        wanted_now = wanted_settings(ctx)
        different = [key for key, value in wanted_now.items() if existing.get(key) != value]
        different += [key for key in current.BUILDS_KEYS
                      if key in existing and key not in wanted_now]  # the mirror was dropped
        if different:
            return needed(f"{env_path} differs from the answers in {', '.join(different)}",
                          "cht-install writes the answers' values (secrets kept).")
        missing = [key for key in (*current.SECRET_KEYS, "COUCHDB_UUID") if not existing.get(key)]
        if missing:
            return needed(f"{env_path} has no {' or '.join(missing)} yet")
        mode = env_mode(ctx, env_path)
        if mode != 0o600:
            return broken(f"{env_path} has mode {mode:04o}; it holds secrets",
                          "cht-install sets it to 0600.")
        return ok(f"CHT {found}'s compose files, the upgrade service and {env_path.name} "
                  f"are in place{newer}")

    def apply(self, ctx: Context) -> None:
        host = ctx.host
        env_path = ctx.line.env_file(ctx.paths)
        env_text = host.read_text(env_path)
        existing = env_values(env_text)
        moving = data_would_move(ctx, existing)
        if moving is not None:
            raise StepError(moving.reason, moving.fix, moving.on_screen)
        made = secrets_for(ctx, existing)
        for directory in (compose_dir(ctx), upgrade_dir(ctx), data_dir(ctx),
                          ctx.paths.cht_dir / current.CERTS_DIR):
            self.directory(ctx, directory)
        found = version_of_files(ctx)
        keep_newer = found is not None and release_key(found) > release_key(ctx.config.version)
        if not keep_newer:
            for name in current.COMPOSE_FILES:
                self.compose_file(ctx, name)
        if not services_of(host.read_text(upgrade_compose(ctx))):
            fetch(ctx, ctx.config.upgrade_service_url or current.UPGRADE_SERVICE_URL,
                  upgrade_compose(ctx), "the upgrade service's docker-compose.yml",
                  "Check the network path to it, or give a mirror's copy as "
                  "upgrade_service_url.")
        settings = wanted_settings(ctx)
        known = set(settings) | set(made) | set(current.BUILDS_KEYS)
        wanted = render_env(settings, made, extra_lines(env_text, known))
        if env_text != wanted or env_mode(ctx, env_path) != 0o600:
            host.write_file(env_path, wanted, 0o600)

    @staticmethod
    def directory(ctx: Context, path: Path) -> None:
        if ctx.host.live and path.is_dir():
            return
        result = ctx.host.run(["install", "-d", "-m", "0755", str(path)])
        if not result.ok:
            raise StepError(f"could not make {path}: {result.tail(2)}",
                            "Check the disk (space, read-only file system) and run again.")

    @staticmethod
    def compose_file(ctx: Context, name: str) -> None:
        host = ctx.host
        target = compose_dir(ctx) / name
        copy = kept_copy(ctx, name)
        if host.read_text(copy) is None:
            fetch(ctx, current.compose_url(builds_url(ctx), ctx.config.version, name), copy,
                  f"CHT {ctx.config.version}'s {name}",
                  "Check the version (CHT's release notes list them) and the network path "
                  "to CHT's build server, or give a mirror: [[builds_url]].")
        wanted = host.read_text(copy)
        now = host.read_text(target)
        if wanted is None or now == wanted:
            return
        if now is not None:
            host.write_file(ctx.paths.cht_dir / "compose-backup" / name, now, 0o644)
        host.write_file(target, wanted, 0o644)


# ---- the images -------------------------------------------------------------------

def predicted_images(version: str) -> list[tuple[str, str]]:
    """(name, image) CHT's compose files name, when they are not here yet (a plan)."""
    return [(name, f"public.ecr.aws/medic/cht-{name}:{version}")
            for name in ("haproxy", "api", "sentinel", "nginx", "couchdb", "couchdb-nouveau")]


def images_in(ctx: Context, paths: list[Path]) -> list[tuple[str, str]]:
    """(service, image) for every service of these compose files, each pair once."""
    found: list[tuple[str, str]] = []
    for path in paths:
        for service, spec in services_of(ctx.host.read_text(path)).items():
            image = spec.get("image") if isinstance(spec, dict) else None
            if isinstance(image, str) and (service, image) not in found:
                found.append((service, image))
    return found


def compose_images(ctx: Context) -> list[tuple[str, str]]:
    """(service, image) for every service of CHT's compose files and the upgrade service."""
    found = images_in(ctx, [compose_dir(ctx) / name for name in current.COMPOSE_FILES]
                      + [upgrade_compose(ctx)])
    if not any(service == "api" for service, _ in found):
        found = predicted_images(ctx.config.version) + [
            item for item in found if item[0] == current.UPGRADE_SERVICE]
    if not any(service == current.UPGRADE_SERVICE for service, _ in found):
        found.append((current.UPGRADE_SERVICE, current.UPGRADE_SERVICE_IMAGE))
    return found


# ---- the services -----------------------------------------------------------------

def cht_services(ctx: Context) -> list[str]:
    names: list[str] = []
    for name in current.COMPOSE_FILES:
        names += [s for s in services_of(ctx.host.read_text(compose_dir(ctx) / name))
                  if s not in names]
    return names


def containers(ctx: Context) -> dict[str, dict[str, Any] | None] | None:
    """Each expected container's attributes (None when absent); None without Docker."""
    client = ctx.host.docker()
    if client is None:
        return None
    found: dict[str, dict[str, Any] | None] = {}
    names = [current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)] + [
        current.container_name(service) for service in cht_services(ctx)]
    for name in names:
        try:
            found[name] = client.containers.get(name).attrs
        except docker_errors():
            found[name] = None
    return found


def stale_settings(ctx: Context, settings: dict[str, str], name: str,
                   info: dict[str, Any]) -> list[str]:
    """.env keys whose value the container did not start with (a settings change; CHT's
    services hold the admin password as COUCHDB_PASSWORD or inside COUCH_URL)."""
    upgrade = current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)
    keys = list(wanted_settings(ctx)) + list(current.SECRET_KEYS) if name == upgrade else (
        ["CERTIFICATE_MODE"] if name == current.container_name(current.WEB_SERVICE) else [])
    env = set(info["Config"].get("Env") or [])
    stale = [key for key in keys if key in settings and f"{key}={settings[key]}" not in env]
    builds = [entry for entry in env if entry.startswith("BUILDS_URL=")]
    if builds and builds[0] != f"BUILDS_URL={builds_url_of(settings)}":
        stale.append("MARKET_URL_READ")  # the API's: where it fetches a release to upgrade
    password = settings.get("COUCHDB_PASSWORD")
    if name != upgrade and password and "COUCHDB_PASSWORD" not in stale and any(
            held not in (None, "", password) for held in held_passwords(env)):
        stale.append("COUCHDB_PASSWORD")
    return stale


def builds_url_of(settings: dict[str, str]) -> str:
    """The API's BUILDS_URL as cht-core.yml makes it from .env (MARKET_URL_READ and
    BUILDS_SERVER, else CHT's build server)."""
    default = urlsplit(current.BUILDS_URL)
    return (f"{settings.get('MARKET_URL_READ') or f'{default.scheme}://{default.netloc}'}/"
            f"{settings.get('BUILDS_SERVER') or default.path.lstrip('/')}")


def held_passwords(env: set[str]) -> list[str | None]:
    """The admin passwords a container started with: COUCHDB_PASSWORD, and the one inside
    COUCH_URL (api, sentinel)."""
    found: list[str | None] = []
    for entry in env:
        key, _, value = entry.partition("=")
        if key == "COUCHDB_PASSWORD":
            found.append(value)
        elif key == "COUCH_URL":
            found.append(urlsplit(value).password)
    return found


def problems(ctx: Context, found: dict[str, dict[str, Any] | None]) -> list[str]:
    wanted_images = dict(compose_images(ctx))
    settings = env_values(ctx.host.read_text(ctx.line.env_file(ctx.paths)))
    listed = [f"{name} was left by a recreation that was cut short"
              for name in cut_recreations(ctx, list(found))]
    for name, info in found.items():
        if info is None:
            listed.append(f"{name} does not exist")
            continue
        stale = stale_settings(ctx, settings, name, info)
        if stale:
            listed.append(f"{name} started before {', '.join(stale)} changed")
        if not info["State"]["Running"]:
            listed.append(f"{name} is {info['State']['Status']}")
        service = (info["Config"].get("Labels") or {}).get("com.docker.compose.service", "")
        image = wanted_images.get(service)
        if image and info["Config"]["Image"] != image:
            listed.append(f"{name} runs {info['Config']['Image']}, not {image}")
    return listed


def web_ready(ctx: Context) -> bool:
    """CHT's nginx finished its set-up since it last started (its entrypoint said so)."""
    client = ctx.host.docker()
    if client is None:
        return False
    try:
        web = client.containers.get(current.container_name(current.WEB_SERVICE))
        return current.WEB_READY in web.logs(since=last_start(web.attrs))
    except docker_errors(KeyError):
        return False


def compose_argv(ctx: Context) -> list[str]:
    return [*compose_for(ctx), "-p", current.UPGRADE_PROJECT, "--project-directory",
            str(upgrade_dir(ctx)), "-f", str(upgrade_compose(ctx))]


def client_too_old(ctx: Context) -> str | None:
    """The Docker engine's refusal of the upgrade service's bundled client since it last
    started (Docker upgraded under it), in the engine's words; None when it was not
    refused."""
    client = ctx.host.docker()
    name = current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)
    if client is None:
        return None
    try:
        service = client.containers.get(name)
        found = current.CLIENT_TOO_OLD.search(service.logs(since=last_start(service.attrs)))
    except docker_errors(KeyError):
        return None
    if found is None:
        return None
    return (f"client version {found.group(1).decode()} is too old; this Docker accepts "
            f"{found.group(2).decode()} or newer")


TOO_OLD_FIX = ("Run `sudo cht-install`: it pulls the upgrade service's image again and "
               "recreates it, as CHT's upgrade troubleshooting page says (`docker pull "
               f"{current.UPGRADE_SERVICE_IMAGE}`, then `docker compose up -d` in its folder).")
STILL_TOO_OLD_FIX = (
    "The newest upgrade service CHT publishes is still too old for this Docker. Keep CHT "
    "running as it is (its services still run) and do not upgrade CHT until CHT publishes "
    "one (github.com/medic/cht-upgrade-service); on a new server, install the Docker "
    "version CHT's hosting page names.")


def pull_upgrade_service_again(ctx: Context) -> None:
    """The upgrade service's newest image (the one CHT publishes now), over the old one."""
    from installer.steps.images import pull_with_retries, tag_as_named

    for service, ref, local in ctx.line.images(ctx):
        if service != current.UPGRADE_SERVICE:
            continue
        ctx.log(f"the upgrade service's client is too old for this Docker: pulling {ref} "
                "again")
        pull_with_retries(ctx, ref, lambda layers, status: ctx.progress(
            0, 100, f"pulling the upgrade service again: {status}"))
        if local != ref:
            tag_as_named(ctx, ref, local)


class ServicesRunning:
    """The upgrade service and CHT's services run with .env's settings, and nginx is ready.

    A crash loop is named with its last log lines; an upgrade service whose client the
    Docker engine refuses (Docker upgraded under it) is pulled again and recreated.
    """

    id = "cht.running"
    title = "CHT's services are running"

    def probe(self, ctx: Context) -> Finding:
        found = containers(ctx)
        web = current.container_name(current.WEB_SERVICE)
        if found is None or not (found.get(web) or {}).get("State", {}).get("Running"):
            taken = ports_taken(ctx)
            if taken is not None:
                return taken
        if found is None:
            return needed("Docker is not running yet, so CHT cannot be checked")
        if all(info is None for info in found.values()):
            return needed("CHT is not started yet")
        client = ctx.host.docker()
        for name, info in found.items():
            crashing = crash_loop(client, name) if info is not None else None
            if crashing:
                return broken(crashing, CRASH_FIX.format(name=name))
        refused = client_too_old(ctx)
        if refused:
            return broken(f"Docker refuses CHT's upgrade service ({refused}): it cannot "
                          "start or upgrade CHT until it is updated", TOO_OLD_FIX)
        listed = problems(ctx, found)
        if listed:
            return broken("; ".join(listed), "cht-install starts them the documented way "
                          "(the upgrade service brings up CHT's services).")
        if not web_ready(ctx):
            return needed("CHT's nginx is still setting up (its certificate and settings)")
        return ok(f"the upgrade service and CHT's {len(found) - 1} services are running")

    def apply(self, ctx: Context) -> None:
        client = ctx.host.docker()
        before = containers(ctx) or {}
        upgrade = current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)
        running = bool((before.get(upgrade) or {}).get("State", {}).get("Running"))
        refreshed = False
        if client_too_old(ctx):
            pull_upgrade_service_again(ctx)
            refreshed = running = True
        remove_cut_recreations(ctx, list(before) or [upgrade])
        ctx.progress(0, 100, "starting the upgrade service")
        # The upgrade service starts CHT's services when it starts: recreate it when it
        # already runs, so that it brings back what is missing or stopped.
        argv = [*compose_argv(ctx), "up", "-d"] + (["--force-recreate"] if running else [])
        result = ctx.host.run(argv)
        if not result.ok:
            raise StepError(f"`docker compose up` for the upgrade service failed: "
                            f"{result.tail(3)}",
                            "Read the log for compose's full output; fix what it reports "
                            "and run cht-install again.")
        names = list(before) or [upgrade]
        baselines = {name: restart_count(client, name) for name in names}
        failure: list[str] = []

        def all_up() -> bool:
            nonlocal refreshed
            refused = client_too_old(ctx)
            if refused and refreshed:
                failure[:] = [f"Docker still refuses CHT's upgrade service after pulling it "
                              f"again ({refused})", STILL_TOO_OLD_FIX]
                return True
            if refused:
                # the image on this server is the old one: the newest, then started again
                pull_upgrade_service_again(ctx)
                refreshed = True
                again = ctx.host.run([*compose_argv(ctx), "up", "-d", "--force-recreate"])
                if not again.ok:
                    failure[:] = [f"`docker compose up` for the upgrade service failed: "
                                  f"{again.tail(3)}", CRASH_FIX.format(name=upgrade)]
                    return True
                return False
            found = containers(ctx) or {}
            for name in found:
                crashing = crash_loop(client, name, baselines.get(name, 0))
                if crashing:
                    failure[:] = [crashing, CRASH_FIX.format(name=name)]
                    return True
            up = [name for name, info in found.items()
                  if info is not None and info["State"]["Running"]]
            if not found or problems(ctx, found):
                ctx.progress(len(up), len(found), f"{len(up)} of {len(found)} services running")
                return False
            if web_ready(ctx):
                return True
            ctx.progress(len(up), len(found), "all running; CHT's nginx is still setting up "
                         "(its certificate)")
            return False

        if not ctx.host.wait_until(all_up, current.READY_TIMEOUT, "CHT's services to run"):
            tail = ""
            if client is not None:
                try:
                    tail = last_lines(client.containers.get(upgrade))
                except docker_errors():
                    tail = ""
            listed = problems(ctx, containers(ctx) or {})
            raise StepError(
                f"CHT's services did not all start within {current.READY_TIMEOUT:.0f} s "
                f"({'; '.join(listed)}); the upgrade service's last log lines:\n{tail}",
                f"Check `docker logs {upgrade}` for the cause (often an image that could "
                "not be pulled, or memory), fix it, and run cht-install again.")
        if failure:
            raise StepError(failure[0], failure[1])
