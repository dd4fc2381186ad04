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


def env_line(password: str) -> str:
    """The .env line: single-quoted, which compose v2 and v1 both take literally ($, #
    and spaces kept; the password never holds a quote or a backslash, see answers.py)."""
    return f"{PASSWORD_KEY}='{password}'"


def render_env(password: str) -> str:
    return f"# Written by cht-install; keep secret (mode 0600).\n{env_line(password)}\n"


def password_from_env(text: str | None) -> str | None:
    """The password in .env: single-quoted (written by this version) or bare (earlier)."""
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if not sep or key.strip() != PASSWORD_KEY:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        if value:
            return value
    return None


def env_quoted(text: str | None) -> bool:
    """Whether .env holds the password in the quoted form compose reads unchanged."""
    password = password_from_env(text)
    return password is not None and env_line(password) in (text or "").splitlines()


def new_password() -> str:
    return secrets.token_urlsafe(18)
