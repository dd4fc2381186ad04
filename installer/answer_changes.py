"""What differs from the answers this server last ran with, said in the settings' words."""

from __future__ import annotations

from typing import Any

from installer.answers import InstallConfig

# Each answer a person can change on the settings screen, by the label it has there (the
# settings' errors use the same labels). Secrets are never compared or shown.
FIELD_LABELS = {
    "hostname": "Host name", "admin_password": "Admin password",
    "cht_version": "CHT version",
    "tls.mode": "TLS certificate", "tls.certificate": "Certificate file",
    "tls.chain": "Chain file", "tls.key": "Key file",
    "tls.password": "Password of the PFX or key", "tls.email": "E-mail for expiry notices",
    "data": "Where CHT keeps its data", "http_port": "HTTP port", "https_port": "HTTPS port",
    "registry": "Registry mirror", "builds_url": "Mirror of CHT's build server",
    "backup.dir": "Nightly backups folder", "backup.schedule": "Backup time",
    "backup.keep": "Backups to keep", "alerts.webhook": "Alert webhook",
    "alerts.email": "Alert e-mail", "updates.automatic": "Automatic security updates",
    "docker.group_user": "User who may run docker without sudo",
    "docker.source": "Where Docker comes from",
}
SECRET = ("admin_password", "tls.password")
MODE_WORDS = {"self-signed": "self-signed", "own": "my own certificate files",
              "letsencrypt": "Let's Encrypt"}
SOURCE_WORDS = {"official": "Docker's own repository", "distro": "this OS's own packages"}


def value_at(config: InstallConfig, field: str) -> Any:
    value: Any = config
    for part in field.split("."):
        value = getattr(value, part)
    return value


def shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "(not set)"
    if field == "tls.mode":
        return MODE_WORDS.get(str(value), str(value))
    if field == "docker.source":
        return SOURCE_WORDS.get(str(value), str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def answer_changes(before: InstallConfig | None, after: InstallConfig) -> list[str]:
    """One line per answer that differs ("Host name: cht.test -> q"); none on a fresh
    server (no answers saved yet)."""
    if before is None:
        return []
    lines = []
    for field, label in FIELD_LABELS.items():
        if field in SECRET:
            continue
        if field == "cht_version":
            old, new = before.version, after.version
        else:
            old, new = value_at(before, field), value_at(after, field)
        if shown(field, old) != shown(field, new):
            lines.append(f"{label}: {shown(field, old)} -> {shown(field, new)}")
    return lines
