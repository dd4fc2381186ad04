"""Each answer's names: its key and flag (for --yes, doctor and the JSON) and its label on the
settings screen; a fix written once with [[key]] marks is said both ways from here."""

from __future__ import annotations

import re

# Each answer a person can change on the settings screen, by the label it has there (the
# settings' errors use the same labels).
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
# The settings screen's folded parts, for the answers that are in one.
SECTIONS = {
    **dict.fromkeys(("data", "http_port", "https_port", "registry", "builds_url",
                     "docker.source"), "More settings"),
    **dict.fromkeys(("backup.dir", "backup.schedule", "backup.keep", "alerts.webhook",
                     "alerts.email", "updates.automatic"), "After the install"),
}
# Answers that have no flag: the secrets, and where the data lives (an answers file only).
NO_FLAG = ("admin_password", "tls.password", "data")
OTHER_FLAGS = {"updates.automatic": "--automatic-updates"}  # not named after the key
FLAG_VALUES = {"--automatic-updates": {"true": "yes", "false": "no"}}
MODE_WORDS = {"self-signed": "self-signed", "own": "my own certificate files",
              "letsencrypt": "Let's Encrypt"}
SOURCE_WORDS = {"official": "Docker's own repository", "distro": "this OS's own packages"}
VALUE_WORDS = {"tls.mode": MODE_WORDS, "docker.source": SOURCE_WORDS,
               "updates.automatic": {"true": "ticked", "false": "not ticked"}}
MARK = re.compile(r"\[\[([a-z_.]+)(?:=([^\]]+))?\]\]")


def flag(key: str) -> str:
    """The command-line flag that sets an answer ("" for secrets, which have none)."""
    if key in NO_FLAG:
        return ""
    return OTHER_FLAGS.get(key) or "--" + key.replace(".", "-").replace("_", "-")


def value_words(key: str, value: str) -> str:
    return VALUE_WORDS.get(key, {}).get(value, value)


def for_commands(text: str) -> str:
    """[[key]] as the answers key with its flag; [[key=value]] as both with the value."""
    def said(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        option = flag(key)
        if value is None:
            return f"{key} ({option})" if option else f"{key} in an answers file"
        if not option:
            return f"`{key}: {value}` in an answers file"
        given = FLAG_VALUES.get(option, {}).get(value, value)
        return f"`{key}: {value}` in the answers (or {option} {given})"
    return MARK.sub(said, text)


def for_screens(text: str) -> str:
    """[[key]] as the settings' label and where it is; [[key=value]] with the choice."""
    def shown(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        where = f"Settings, {SECTIONS[key]}" if key in SECTIONS else "Settings"
        label = f"\"{FIELD_LABELS.get(key, key)}\" ({where})"
        return label if value is None else f"{label}: {value_words(key, value)}"
    return MARK.sub(shown, text)


def both_ways(text: str) -> tuple[str, str]:
    """A fix for commands and for screens ("" for screens when it names no answer)."""
    if not MARK.search(text):
        return text, ""
    return for_commands(text), for_screens(text)
