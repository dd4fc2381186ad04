"""Each answer declared once: its key, its flag (with the flag's help), its label and place
on the settings screen, and whether it is a secret. The command line's options, the
settings' names in fixes and errors, and what "You changed" compares all come from here;
the answers' types, defaults and validation are the dataclasses in answers.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    key: str  # as in the answers file, dotted where nested (tls.mode)
    flag: str = ""  # "" for an answer only an answers file (or a screen) gives
    help: str | None = None
    metavar: str | None = None
    type: type[int] | type[str] | None = None  # int for numbers; None for text
    choices: tuple[str, ...] | None = None
    # The flag's words for the answer's values, where they differ (yes -> true).
    flag_values: Mapping[str, Any] = field(default_factory=dict)
    switch: bool = False  # a flag with no value that sets the answer to true
    label: str = ""  # the settings screen's short name for it; "" when it has no field
    section: str = ""  # the settings screen's folded part it is in, if any
    secret: bool = False  # never compared, shown or logged


MORE = "More settings"
AFTER = "After the install"
ANSWERS: tuple[Answer, ...] = (
    Answer("hostname", "--hostname", "the server's public host name", label="Host name"),
    Answer("admin_password", label="Admin password", secret=True),
    Answer("cht_version", "--cht-version",
           "the CHT release: 3.x (e.g. 3.9.0-rc.2, end of life; the default) or the current "
           "line (e.g. 4.21.1, 5.0.2)", "VERSION", label="CHT version"),
    Answer("builds_url", "--builds-url",
           "4.x/5.x: a mirror of CHT's build server (the compose files)", "URL",
           label="Mirror of CHT's build server", section=MORE),
    Answer("upgrade_service_url", "--upgrade-service-url",
           "4.x/5.x: where the upgrade service's docker-compose.yml comes from", "URL"),
    Answer("registry", "--registry",
           "pull the images from this mirror (of Docker Hub and CHT's registry)", "HOST:PORT",
           label="Registry mirror", section=MORE),
    Answer("http_port", "--http-port", type=int, label="HTTP port", section=MORE),
    Answer("https_port", "--https-port", type=int, label="HTTPS port", section=MORE),
    Answer("accept_warnings", "--accept-warnings",
           "go on past hardware warnings (shortfalls)", switch=True),
    Answer("allow_unsupported", "--allow-unsupported",
           "go on past an unsupported OS release, at your own risk", switch=True),
    Answer("docker.source", "--docker-source",
           "Docker's own repository (default) or the distribution's packages",
           choices=("official", "distro"), label="Where Docker comes from", section=MORE),
    Answer("docker.repo_url", "--docker-repo-url", "a mirror of download.docker.com", "URL"),
    Answer("docker.key_fingerprint", "--docker-key-fingerprint",
           "the mirror's signing-key fingerprint, if it re-signs", "FPR"),
    Answer("docker.group_user", "--docker-group-user",
           "let USER run docker without sudo (default: no user)", "USER",
           label="User who may run docker without sudo"),
    Answer("tls.mode", "--tls-mode", "where the certificate comes from (default self-signed)",
           choices=("self-signed", "own", "letsencrypt"), label="TLS certificate"),
    Answer("tls.certificate", "--tls-certificate",
           "own: your certificate (PEM with its chain, DER or PFX)", "FILE",
           label="Certificate file"),
    Answer("tls.chain", "--tls-chain", "own: a separate chain file", "FILE", label="Chain file"),
    Answer("tls.key", "--tls-key", "own: your private key (PEM)", "FILE", label="Key file"),
    Answer("tls.password", label="Password of the PFX or key", secret=True),
    Answer("tls.trust_store", "--tls-trust-store",
           "extra CA certificates to trust when checking chains", "FILE"),
    Answer("tls.email", "--tls-email", "letsencrypt: for expiry notices", "ADDRESS",
           label="E-mail for expiry notices"),
    Answer("tls.acme_directory", "--acme-directory",
           "letsencrypt: the ACME directory (default Let's Encrypt)", "URL"),
    Answer("data", label="Where CHT keeps its data", section=MORE),
    Answer("images.medic_os"),  # 3.x's images: an answers file may name others (mirrors)
    Answer("images.haproxy"),
    Answer("backup.dir", "--backup-dir",
           "nightly backups of CHT's data into DIR (e.g. /var/backups/cht)", "DIR",
           label="Nightly backups folder", section=AFTER),
    Answer("backup.schedule", "--backup-schedule", "when, each day (default 02:30)", "HH:MM",
           label="Backup time", section=AFTER),
    Answer("backup.keep", "--backup-keep", "backups to keep (default 7)", "N", int,
           label="Backups to keep", section=AFTER),
    Answer("alerts.webhook", "--alerts-webhook",
           "alert this incoming webhook when CHT breaks and recovers", "URL",
           label="Alert webhook", section=AFTER),
    Answer("alerts.email", "--alerts-email",
           "e-mail alerts to ADDRESS (through this server's sendmail)", "ADDRESS",
           label="Alert e-mail", section=AFTER),
    Answer("alerts.ping_url", "--alerts-ping-url",
           "a healthchecks-style URL pinged after every health check", "URL"),
    Answer("alerts.every_minutes", "--alerts-every",
           "how often the health check runs (default 15)", "MINUTES", int),
    Answer("updates.automatic", "--automatic-updates",
           "yes: turn on the OS's automatic security updates", choices=("yes", "no"),
           flag_values={"yes": True, "no": False}, label="Automatic security updates",
           section=AFTER),
    Answer("logs.max_mb", "--log-max-mb",
           "cht-install's log is rotated past this size (default 20)", "MB", int),
    Answer("docker.lock_timeout", "--lock-timeout",
           "how long to wait for another package install (default 600)", "SECONDS", int),
)
BY_KEY = {answer.key: answer for answer in ANSWERS}
# A flag that is not an answer of its own: it sets tls.acme_directory to the staging CA.
STAGING = ("--acme-staging", "letsencrypt: use Let's Encrypt's staging CA (for trials)",
           "tls.acme_directory")


def dest(flag: str) -> str:
    """The attribute argparse keeps a flag's value in."""
    return flag.lstrip("-").replace("-", "_")


def flag_word(answer: Answer, value: str) -> str:
    """How the flag says an answer's value (true -> yes)."""
    for word, meant in answer.flag_values.items():
        if str(meant).lower() == value.lower():
            return word
    return value


def overrides_from(given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the flags give, nested as in the answers file (None: not given), from
    argparse's values by their dest."""
    nested: dict[str, Any] = {}
    for answer in ANSWERS:
        if not answer.flag:
            continue
        value = given.get(dest(answer.flag))
        if value is not None and answer.flag_values:
            value = answer.flag_values[value]
        *parents, leaf = answer.key.split(".")
        place = nested
        for parent in parents:
            place = place.setdefault(parent, {})
        place[leaf] = value
    flag, _, key = STAGING
    if given.get(dest(flag)):
        from installer.tls.acme_order import LETS_ENCRYPT_STAGING  # the CA's, kept there

        section, leaf = key.split(".")
        nested[section][leaf] = LETS_ENCRYPT_STAGING
    return nested
