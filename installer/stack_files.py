"""Render the CHT compose file and its .env from the answers (pure)."""

from __future__ import annotations

import secrets
from importlib import resources
from string import Template

from installer.answers import InstallConfig

PASSWORD_KEY = "DOCKER_COUCHDB_ADMIN_PASSWORD"
VOLUME = "medic-data"


def render_compose(config: InstallConfig) -> str:
    template = Template(
        resources.files("assets").joinpath("docker-compose.yml.tmpl").read_text("utf-8")
    )
    named = config.data == "volume"
    volumes = f"\nvolumes:\n  {VOLUME}:\n    name: {VOLUME}\n" if named else ""
    return template.substitute(
        medic_os_image=config.image_ref(config.images.medic_os),
        haproxy_image=config.image_ref(config.images.haproxy),
        data_mount=VOLUME if named else config.data,
        http_port=config.http_port,
        https_port=config.https_port,
        volumes_section=volumes,
    )


def render_env(password: str) -> str:
    return f"# Written by cht-install; keep secret (mode 0600).\n{PASSWORD_KEY}={password}\n"


def password_from_env(text: str | None) -> str | None:
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == PASSWORD_KEY and value.strip():
            return value.strip()
    return None


def new_password() -> str:
    return secrets.token_urlsafe(18)
