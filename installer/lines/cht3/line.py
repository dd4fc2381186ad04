"""CHT 3.x as a Line: medic-os and haproxy, started from cht-install's compose file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from installer.host.docker_api import docker_errors
from installer.lines import GB, GIB, Floors, WebServer
from installer.lines.cht3 import facts
from installer.lines.cht3.challenge import (
    add_medic_os_challenge_location,
    medic_os_challenge_location,
)
from installer.lines.cht3.files import PASSWORD_KEY, VOLUME, env_line
from installer.lines.cht3.password import found_elsewhere, keep_copy, kept_copy
from installer.lines.cht3.post_setup import CompleteInstall, UnneededServices
from installer.lines.cht3.steps import ComposeFiles, ServicesRunning
from installer.step import blocked
from installer.steps.admin_account import AdminPassword
from installer.steps.hardware import HardwareEnough
from installer.steps.images import ImagesPulled
from installer.steps.os_support import OsSupported
from installer.steps.shared import care_steps, docker_steps, tls_steps
from installer.steps.verify import horti_progress
from installer.tls.nginx_conf import CHALLENGE_ROOT

if TYPE_CHECKING:
    from installer.answers import InstallConfig
    from installer.paths import Paths
    from installer.step import Context, Finding, Step

# medic-os keeps its certificate in its nginx settings (CHT's 3.x SSL page).
NGINX_DIR = "/srv/settings/medic-core/nginx/private"
CONTAINERS = ("medic-os", "haproxy")


class Cht3:
    id = facts.LINE_ID
    name = facts.LINE
    notice = facts.END_OF_LIFE_NOTICE
    end_of_life = True
    past_end = "CHT 3.x is past its end of life"
    moving_on = facts.MOVING_ON
    key_types: tuple[str, ...] = facts.KEY_TYPES
    password_key = PASSWORD_KEY
    image_source = "Docker Hub"
    needs_compose_v2 = False
    main_container = "medic-os"
    admin_user = facts.ADMIN_USER
    admin_config = f"/_node/{facts.COUCH_NODE}/_config/admins/{facts.ADMIN_USER}"
    # medic-os's CouchDB listens on chttpd's 5985 (couchdb/default.d/package.ini)
    couchdb_port = ("medic-os", 5985)
    challenge_root = CHALLENGE_ROOT
    setting_itself_up = "medic-os downloads it after its first start"
    setup_log = f" and the file {facts.HORTI_LOG} in medic-os"
    setup_timeout = facts.INSTALL_TIMEOUT
    upgrade_refusal = facts.UPGRADE_REFUSAL
    upgrade_words = "the Upgrades page of CHT's admin app (horticulturalist installs them)"

    def with_version(self, version: str) -> Cht3:
        line = copy.copy(self)
        other = facts.other_release_words(version)
        if other:
            line.notice = f"{facts.END_OF_LIFE_NOTICE} {other}"
        return line

    def floors(self, config: InstallConfig) -> Floors:
        return Floors("CHT 3.x", facts.MIN_RAM_GB * GIB, facts.MIN_CPUS, facts.MIN_DISK_GB * GB)

    def arch_refusal(self, arch: str) -> Finding | None:

        if arch in facts.ARCHES:
            return None
        return blocked(
            f"{facts.LINE} runs only on 64-bit x86 (x86_64) servers: its medic-os image "
            f"is built for no other processor, and this server is {arch}",
            "Use an x86_64 server (most cloud VMs; on AWS not the Graviton/arm64 "
            "types). Nothing has been installed.")

    def web_server(self) -> WebServer:
        return WebServer("medic-os", f"{NGINX_DIR}/default.crt", f"{NGINX_DIR}/default.key",
                         ("/boot/svc-reload", "medic-core", "nginx"),
                         ("/boot/svc-restart", "medic-core", "nginx"))

    def env_file(self, paths: Paths) -> Path:
        return paths.env_file

    def images_words(self, config: InstallConfig) -> str:
        return "medic-os and haproxy"

    def describe(self, config: InstallConfig) -> dict[str, object]:
        return {**facts.describe(), "version": config.version,
                "notice": self.notice,
                "installs": facts.BOOTSTRAP_RELEASE}

    def steps(self) -> list[Step]:

        return [OsSupported(), HardwareEnough(), *docker_steps(), ComposeFiles(),
                ImagesPulled(), ServicesRunning(), *tls_steps(), CompleteInstall(),
                UnneededServices(), AdminPassword(), *care_steps()]

    def images(self, ctx: Context) -> list[tuple[str, str, str]]:
        config = ctx.config
        return [(name, config.image_ref(image), config.image_ref(image))
                for name, image in (("medic-os", config.images.medic_os),
                                    ("haproxy", config.images.haproxy))]

    def data_location(self, ctx: Context) -> tuple[str, Path] | None:
        if ctx.config.data != "volume":
            path = Path(ctx.config.data)
            return (str(path), path) if path.is_dir() else None
        client = ctx.host.docker()
        if client is None:
            return None
        try:
            mountpoint = client.volumes.get(VOLUME).attrs["Mountpoint"]
        except docker_errors(KeyError):
            return None
        return f"volume {VOLUME}", Path(mountpoint)

    def containers(self, ctx: Context) -> list[str]:
        names = ctx.host.query(["docker", "ps", "-a", "--format", "{{.Names}}"]).stdout.split()
        return [name for name in CONTAINERS if name in names]

    def installing_itself(self, ctx: Context) -> str | None:

        if ctx.host.container_read("medic-os", facts.BOOTSTRAPPED) is not None:
            return None
        log = ctx.host.container_read("medic-os", facts.HORTI_LOG) or b""
        return horti_progress(log.decode(errors="replace")[-65536:])

    def challenge_location(self, ctx: Context) -> Finding:

        return medic_os_challenge_location(ctx)

    def add_challenge_location(self, ctx: Context) -> None:

        add_medic_os_challenge_location(ctx)

    def password_found_elsewhere(self, ctx: Context, password: str, env: Path) -> Finding | None:
        return found_elsewhere(ctx, password, env)

    def newer_release_installed(self, ctx: Context) -> str | None:
        return None  # medic-os's tag is the final one; CHT inside moves by horticulturalist

    def password_line(self, password: str) -> str:
        return env_line(password)

    def password_copy_kept(self, ctx: Context, password: str) -> bool:
        return kept_copy(ctx, password)

    def keep_password_copy(self, ctx: Context, password: str) -> None:
        keep_copy(ctx, password)


CHT3 = Cht3()
