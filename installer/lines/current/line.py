"""CHT's current line (4.x/5.x) as a Line: CHT's own compose files and upgrade service."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from installer.host.docker_api import docker_errors
from installer.lines import GB, GIB, Floors, WebServer
from installer.lines.current import facts, releases
from installer.lines.current.steps import (
    ComposeFiles,
    NoOtherLine,
    ServicesRunning,
    compose_images,
    data_dir,
    release_key,
    version_of_files,
)
from installer.step import StepError, needed, ok
from installer.steps.admin_account import AdminPassword
from installer.steps.hardware import HardwareEnough
from installer.steps.images import ImagesPulled
from installer.steps.os_support import OsSupported
from installer.steps.shared import care_steps, docker_steps, tls_steps

if TYPE_CHECKING:
    from installer.answers import InstallConfig
    from installer.paths import Paths
    from installer.step import Context, Finding, Step


class Current:
    id = facts.LINE_ID
    name = facts.LINE
    notice = facts.NOTICE
    end_of_life = False
    past_end = ""
    moving_on = ("Upgrade to a supported release: `sudo cht-install upgrade VERSION` (it "
                 "checks and backs up first), or the Upgrades page of CHT's admin app "
                 "(/admin/#/upgrade).")
    key_types: tuple[str, ...] = facts.KEY_TYPES
    password_key = "COUCHDB_PASSWORD"
    image_source = "CHT's image registry"
    needs_compose_v2 = True
    main_container = facts.container_name("api")
    admin_user = facts.ADMIN_USER
    # CHT's docs change it in Fauxton, which writes CouchDB's config; _local is this node
    admin_config = f"/_node/_local/_config/admins/{facts.ADMIN_USER}"
    couchdb_port = (facts.container_name("couchdb"), 5984)
    challenge_root = facts.CHALLENGE_ROOT
    setting_itself_up = "CHT's API sets it up at its first start"
    setup_log = ""
    setup_timeout = facts.SETUP_TIMEOUT
    upgrade_refusal = ""
    upgrade_words = ("`sudo cht-install upgrade VERSION`, or the Upgrades page of CHT's admin "
                     "app")

    def with_version(self, version: str) -> Current:
        line = copy.copy(self)
        said = releases.notice(version)
        if said is not None:
            line.notice, line.past_end = said
            line.end_of_life = bool(line.past_end)
            if line.end_of_life:
                newest = releases.supported_release()
                line.moving_on = (f"Upgrade to CHT {newest}: `sudo cht-install upgrade "
                                  f"{newest}` (it checks and backs up first), or the Upgrades "
                                  "page of CHT's admin app (/admin/#/upgrade).")
        return line

    def floors(self, config: InstallConfig) -> Floors:
        return Floors(f"CHT {config.version}", facts.MIN_RAM_GB * GIB, facts.MIN_CPUS,
                      facts.MIN_DISK_GB * GB)

    def arch_refusal(self, arch: str) -> Finding | None:
        return None  # CHT publishes its images for amd64 and arm64, as Docker runs them

    def web_server(self) -> WebServer:
        return WebServer(facts.container_name(facts.WEB_SERVICE), facts.CERT_PATH,
                         facts.KEY_PATH, facts.RELOAD_NGINX, facts.RELOAD_NGINX)

    def env_file(self, paths: Paths) -> Path:
        return paths.cht_dir / facts.UPGRADE_DIR / ".env"

    def images_words(self, config: InstallConfig) -> str:
        return f"CHT {config.version}'s, and its upgrade service"

    def describe(self, config: InstallConfig) -> dict[str, object]:
        return {"line": facts.LINE_ID, "name": facts.LINE, "version": config.version,
                "end_of_life": self.end_of_life, "notice": self.notice,
                "release_table_read": releases.read_on()}

    def steps(self) -> list[Step]:

        # CHT's own layout and services; medic-os's post-setup steps do not apply.
        return [OsSupported(), NoOtherLine(), HardwareEnough(), *docker_steps(),
                ComposeFiles(), ImagesPulled(), ServicesRunning(),
                *tls_steps(), AdminPassword(), *care_steps()]

    def images(self, ctx: Context) -> list[tuple[str, str, str]]:

        return [(service, ctx.config.image_ref(image), image)
                for service, image in compose_images(ctx)]

    def data_location(self, ctx: Context) -> tuple[str, Path] | None:

        path = data_dir(ctx)
        return ("CouchDB's data directory (COUCHDB_DATA)", path) if path.is_dir() else None

    def containers(self, ctx: Context) -> list[str]:
        found = ctx.host.query(["docker", "ps", "-a", "--format", "{{.Names}}", "--filter",
                                f"label=com.docker.compose.project={facts.PROJECT}"])
        return found.stdout.split()

    def installing_itself(self, ctx: Context) -> str | None:
        api = self.main_container
        client = ctx.host.docker()
        try:
            running = client is not None and client.containers.get(api).status == "running"
        except docker_errors():
            running = False
        return f"{api} is starting (it answers once CouchDB does)" if running else None

    def challenge_location(self, ctx: Context) -> Finding:

        # CHT's nginx.conf serves /.well-known/acme-challenge/ from the certbot directory of
        # the cht-ssl volume, which CERTIFICATE_MODE=AUTO_GENERATE makes (ssl-install.sh).
        web = self.web_server()
        found = ctx.host.container_list(web.container, f"{facts.CHALLENGE_ROOT}/.well-known")
        if found is None:
            return needed(f"{web.container} has no {facts.CHALLENGE_ROOT}/.well-known yet "
                          "(CHT's nginx makes it with CERTIFICATE_MODE=AUTO_GENERATE)",
                          "cht-install restarts CHT's services with that mode, then checks "
                          "again.")
        return ok(f"CHT's nginx serves /.well-known/acme-challenge/ from "
                  f"{facts.CHALLENGE_ROOT}")

    def add_challenge_location(self, ctx: Context) -> None:

        finding = self.challenge_location(ctx)
        raise StepError(finding.reason, finding.fix or "Run cht-install again.")

    def password_found_elsewhere(self, ctx: Context, password: str, env: Path) -> Finding | None:
        return None

    def newer_release_installed(self, ctx: Context) -> str | None:
        found = version_of_files(ctx)
        if found is None or release_key(found) <= release_key(ctx.config.version):
            return None
        return found

    def password_line(self, password: str) -> str:
        return f"{self.password_key}={password}"  # URL-safe characters only (facts)

    def password_copy_kept(self, ctx: Context, password: str) -> bool:
        return True  # CouchDB's own ini, in the cht-credentials volume, is CouchDB's

    def keep_password_copy(self, ctx: Context, password: str) -> None:
        return None


CURRENT = Current()
