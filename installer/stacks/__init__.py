"""CHT lines the installer serves, one module each (images, boot, post-setup, limits), and
what every step asks of the chosen one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from installer.stacks import cht3, current

if TYPE_CHECKING:
    from installer.answers import InstallConfig
    from installer.paths import Paths

# medic-os keeps its certificate in its nginx settings (CHT's 3.x SSL page).
CHT3_NGINX_DIR = "/srv/settings/medic-core/nginx/private"


@dataclass(frozen=True)
class WebServer:
    """Where the line's nginx keeps the certificate, and how it takes a new one."""

    container: str
    certificate: str
    key: str
    reload: tuple[str, ...]
    restart: tuple[str, ...]


def web_server(config: InstallConfig) -> WebServer:
    if config.line == "current":
        return WebServer(current.container_name(current.WEB_SERVICE), current.CERT_PATH,
                         current.KEY_PATH, current.RELOAD_NGINX, current.RELOAD_NGINX)
    return WebServer("medic-os", f"{CHT3_NGINX_DIR}/default.crt",
                     f"{CHT3_NGINX_DIR}/default.key",
                     ("/boot/svc-reload", "medic-core", "nginx"),
                     ("/boot/svc-restart", "medic-core", "nginx"))


def env_file(paths: Paths, config: InstallConfig) -> Path:
    """The file that holds the admin password (mode 0600)."""
    if config.line == "current":
        return paths.cht_dir / current.UPGRADE_DIR / ".env"
    return paths.env_file


def password_key(config: InstallConfig) -> str:
    return "COUCHDB_PASSWORD" if config.line == "current" else "DOCKER_COUCHDB_ADMIN_PASSWORD"


def env_values(text: str | None) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env (comments skipped; one pair of quotes removed)."""
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        if line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def password_in(text: str | None, config: InstallConfig) -> str | None:
    """The admin password in the line's .env text; None when it has none."""
    return env_values(text).get(password_key(config)) or None


def describe(config: InstallConfig) -> dict[str, object]:
    """The stack, for the dry-run JSON."""
    if config.line == "current":
        return {"line": current.LINE_ID, "name": current.LINE, "version": config.version,
                "end_of_life": False, "notice": current.NOTICE}
    return {**cht3.describe(), "version": config.version}


def name(config: InstallConfig) -> str:
    return current.LINE if config.line == "current" else cht3.LINE


def notice(config: InstallConfig) -> str:
    return current.NOTICE if config.line == "current" else cht3.END_OF_LIFE_NOTICE
