"""The operator's choices (the answers-file contract): defaults, validation, load and save."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import idna
import yaml

TLS_MODES = ("self-signed", "own", "letsencrypt")
DOCKER_SOURCES = ("official", "distro")
HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
IMAGE_REF = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
DAILY_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# The health check's intervals a cron line and a systemd timer both say evenly.
EVERY_MINUTES = (*(m for m in range(1, 60) if 60 % m == 0),
                 *(60 * h for h in range(1, 25) if 24 % h == 0))
USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\$?$")
# CHT's release numbers: 3.9.0-rc.2, 4.21.1, 5.0.2.
CHT_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)?$")
CHT_LINES = {3: "3.x", 4: "current", 5: "current"}
MEDIC_OS_TAG = re.compile(r"^(?P<repo>medicmobile/medic-os):cht-(?P<version>.+)$")


class AnswersError(ValueError):
    """A bad answer: names the field, the value given and what is expected."""

    def __init__(self, field_name: str, value: object, expected: str,
                 unreadable: bool = False) -> None:
        super().__init__(f"{field_name}: {value!r} is not valid; expected {expected}")
        self.field = field_name
        self.value = value
        self.expected = expected
        # The file could not be read for lack of permission (a user without sudo).
        self.unreadable = unreadable


@dataclass(frozen=True)
class DockerChoice:
    source: str = "official"
    repo_url: str | None = None
    # A mirror that re-signs Docker's repository: its key's fingerprint.
    key_fingerprint: str | None = None
    # The user (e.g. the one behind sudo) to let run docker without sudo; null = nobody.
    group_user: str | None = None
    # How long to wait for another package install (e.g. unattended-upgrades), seconds.
    lock_timeout: int = 600


@dataclass(frozen=True)
class Images:
    medic_os: str = "medicmobile/medic-os:cht-3.9.0-rc.2"
    haproxy: str = "medicmobile/haproxy:rc-1.17"


@dataclass(frozen=True)
class TlsChoice:
    mode: str = "self-signed"
    certificate: str | None = None
    chain: str | None = None
    key: str | None = None
    password: str | None = None
    email: str | None = None
    acme_directory: str | None = None
    # Extra CA certificates (PEM) trusted when checking a chain: private CAs, tests.
    trust_store: str | None = None


@dataclass(frozen=True)
class BackupChoice:
    # Where the nightly backups go; null = no scheduled backups (`cht-install backup` still
    # works, into /var/backups/cht).
    dir: str | None = None
    # When, every day, in the server's local time (HH:MM).
    schedule: str = "02:30"
    # How many backups to keep in dir; older ones are deleted once a new one is verified.
    keep: int = 7


@dataclass(frozen=True)
class AlertsChoice:
    # An incoming-webhook URL: a JSON POST when CHT breaks, recovers, and daily while broken.
    webhook: str | None = None
    # An address to e-mail the same alerts to, through this server's sendmail.
    email: str | None = None
    # A healthchecks-style URL pinged after every check (URL/fail when unhealthy): it warns
    # you when the server itself goes silent.
    ping_url: str | None = None
    # How often the health check runs, in minutes.
    every_minutes: int = 15


@dataclass(frozen=True)
class UpdatesChoice:
    # true: cht-install turns on the OS's automatic security updates; false or null: it
    # only reports whether they are on.
    automatic: bool | None = None


@dataclass(frozen=True)
class LogsChoice:
    # cht-install's own log is rotated past this size (one older copy is kept), and its
    # journal of runs is trimmed past it.
    max_mb: int = 20


@dataclass(frozen=True)
class InstallConfig:
    hostname: str = ""
    admin_password: str | None = None
    http_port: int = 80
    https_port: int = 443
    data: str = "volume"
    registry: str | None = None
    docker: DockerChoice = field(default_factory=DockerChoice)
    images: Images = field(default_factory=Images)
    tls: TlsChoice = field(default_factory=TlsChoice)
    accept_warnings: bool = False
    allow_unsupported: bool = False
    # The CHT release: 3.x selects medic-os (null = the one images.medic_os names), 4.x and
    # 5.x CHT's current stack (the upgrade service and CHT's compose files).
    cht_version: str | None = None
    # Where the current line's compose files come from: CHT's build server, or a mirror.
    builds_url: str | None = None
    # The upgrade service's docker-compose.yml (CHT's repository), or a mirror's copy.
    upgrade_service_url: str | None = None
    backup: BackupChoice = field(default_factory=BackupChoice)
    alerts: AlertsChoice = field(default_factory=AlertsChoice)
    updates: UpdatesChoice = field(default_factory=UpdatesChoice)
    logs: LogsChoice = field(default_factory=LogsChoice)

    @property
    def line(self) -> str:
        """Which CHT line the answers select: "3.x" or "current" (4.x/5.x)."""
        found = CHT_VERSION.match(self.version)
        return CHT_LINES.get(int(found.group(1)), "3.x") if found else "3.x"

    @property
    def version(self) -> str:
        """The CHT version: cht_version, else the one medic-os's image tag names."""
        if self.cht_version:
            return str(self.cht_version)
        tagged = MEDIC_OS_TAG.match(self.images.medic_os)
        return tagged.group("version") if tagged else "3.x"

    @property
    def hostname_ascii(self) -> str:
        """The host name as DNS, certificates and TLS use it (IDNA "punycode" for a name
        in a local script: cht.exämple.org -> cht.xn--exmple-cua.org), as browsers do."""
        return to_ascii(self.hostname)

    def image_ref(self, image: str) -> str:
        """The reference to pull and run: through the mirror when one is set (a mirror
        keeps the repository path, without the registry's own host: public.ecr.aws/medic/
        cht-api:5.0.2 is MIRROR/medic/cht-api:5.0.2)."""
        if not self.registry:
            return image
        first, _, rest = image.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            image = rest
        return f"{self.registry}/{image}"

    def with_changes(self, **changes: Any) -> InstallConfig:
        return validate(replace(self, **changes))

    def to_mapping(self, keep_secrets: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not keep_secrets:
            # tls.password stays: a repair must still open the PFX or key (file is 0600).
            data["admin_password"] = None
        return data


NESTED: dict[str, type] = {"docker": DockerChoice, "images": Images, "tls": TlsChoice,
                           "backup": BackupChoice, "alerts": AlertsChoice,
                           "updates": UpdatesChoice, "logs": LogsChoice}


def to_ascii(name: str) -> str:
    """A host name's ASCII (IDNA 2008, UTS 46) form; unchanged when it is ASCII already."""
    if name.isascii():
        return name
    try:
        return str(idna.encode(name, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError):
        return name


def hostname_problem(value: str) -> str | None:
    """Why ``value`` is not a host name (in words), or None when it is one."""
    if not value:
        return "the host name is empty"
    if IPV4.match(value):
        return None if all(int(part) <= 255 for part in value.split(".")) else (
            "an IP address has four numbers from 0 to 255")
    if any(c.isspace() for c in value):
        return "spaces are not allowed in a host name"
    ascii_name = to_ascii(value)
    if len(ascii_name) > 253:
        return "a host name has at most 253 characters"
    for label in ascii_name.rstrip(".").split("."):
        if not label:
            return "a host name has no empty parts (two dots in a row, or a dot first)"
        if len(label) > 63:
            return f"each part between dots has at most 63 characters ({label[:12]}... has more)"
        if label.startswith("-") or label.endswith("-"):
            return f"a part may not start or end with a hyphen ({label})"
        if not HOSTNAME_LABEL.match(label):
            bad = sorted({c for c in label if not (c.isalnum() or c == "-")})
            return f"{' '.join(repr(c) for c in bad) or 'this'} is not allowed in a host name " \
                   "(letters, digits, hyphens and dots are)"
    return None


def is_hostname(value: str) -> bool:
    return hostname_problem(value) is None


# The current line puts the password inside a URL (COUCH_URL=http://USER:PASSWORD@haproxy
# in CHT's cht-core.yml): only URL-safe characters reach CouchDB unchanged.
URL_SAFE_PASSWORD = re.compile(r"^[A-Za-z0-9._~-]+$")


def password_problem(password: str, line: str = "3.x") -> str | None:
    """Why medic-os could not take this admin password unchanged; None when it can.

    medic-os's first-start script hands it to CouchDB inside a curl config line and a JSON
    string (quotes and backslashes would change), compose reads it from .env (where it is
    single-quoted, so $, # and spaces stay as they are, but compose v1 still expands ${...}),
    and the shell's echo writes it.
    """
    from installer.lines.cht3 import facts as cht3

    if line == "current" and not URL_SAFE_PASSWORD.match(password):
        return ("only letters, digits and . _ ~ - are allowed: CHT's compose file puts the "
                "password inside a web address (COUCH_URL), where other characters change "
                "its meaning (words joined by hyphens, as CHT's docs make, are fine)")
    for char, name in cht3.PASSWORD_REFUSED.items():
        if char in password:
            return (f"{name} is not allowed: medic-os would not pass it to CouchDB unchanged "
                    "(use letters, digits, spaces and other punctuation)")
    if "${" in password:
        return ("${ is not allowed: docker-compose v1 reads ${...} in .env as a variable, "
                "even in quotes ($ alone is fine)")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "control characters (tabs, new lines) are not allowed"
    if password.strip() != password:
        return "spaces at the start or the end are not allowed (they are easily lost)"
    if password in ("-n", "-e", "-E"):
        return "this password is read as an option by medic-os's setup script"
    return None


def _check_keys(section: str, given: dict[str, Any], allowed: type) -> None:
    known = {f.name for f in fields(allowed)}
    for key in given:
        if key not in known:
            name = f"{section}.{key}" if section else key
            expected = f"one of the known keys: {', '.join(sorted(known))}"
            raise AnswersError(name, given[key], expected)


def from_mapping(data: dict[str, Any] | None) -> InstallConfig:
    """Build a validated config from an answers mapping; unknown keys are errors."""
    data = dict(data or {})
    _check_keys("", data, InstallConfig)
    nested: dict[str, Any] = {}
    for key, kind in NESTED.items():
        section = data.pop(key, None) or {}
        if not isinstance(section, dict):
            raise AnswersError(key, section, "a mapping of keys")
        _check_keys(key, section, kind)
        nested[key] = kind(**section)
    return validate(InstallConfig(**data, **nested))


def _port(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise AnswersError(name, value, "a port number from 1 to 65535")


def validate(config: InstallConfig) -> InstallConfig:
    problem = (hostname_problem(config.hostname) if isinstance(config.hostname, str)
               else "it is not text")
    if problem:
        raise AnswersError("hostname", config.hostname,
                           f"a host name such as cht.example.org: {problem}")
    _port("http_port", config.http_port)
    _port("https_port", config.https_port)
    if config.http_port == config.https_port:
        raise AnswersError("https_port", config.https_port, "a port other than http_port")
    if config.admin_password is not None and (
        not isinstance(config.admin_password, str) or len(config.admin_password) < 8
    ):
        raise AnswersError("admin_password", "********", "at least 8 characters, or null")
    if config.admin_password is not None:
        problem = password_problem(config.admin_password, config.line)
        if problem:
            raise AnswersError("admin_password", "********", f"another password: {problem}")
    if config.data != "volume" and not (
        isinstance(config.data, str) and config.data.startswith("/")
    ):
        raise AnswersError("data", config.data, "'volume' or an absolute host path such as /srv")
    registry = config.registry
    if registry is not None and not (REGISTRY.match(str(registry)) and (
            ":" not in str(registry) or 1 <= int(str(registry).rsplit(":", 1)[1]) <= 65535)):
        raise AnswersError("registry", registry, "host:port of a registry mirror")
    if config.docker.source not in DOCKER_SOURCES:
        raise AnswersError("docker.source", config.docker.source, " or ".join(DOCKER_SOURCES))
    if config.docker.repo_url is not None and not URL.match(str(config.docker.repo_url)):
        raise AnswersError("docker.repo_url", config.docker.repo_url, "an http(s):// URL")
    fingerprint = config.docker.key_fingerprint
    if fingerprint is not None and not FINGERPRINT.match(str(fingerprint).replace(" ", "")):
        raise AnswersError("docker.key_fingerprint", fingerprint, "40 hexadecimal digits")
    user = config.docker.group_user
    if user is not None and not USER.match(str(user)):
        raise AnswersError("docker.group_user", user, "a user name such as ubuntu")
    timeout = config.docker.lock_timeout
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 0 <= timeout <= 86400:
        raise AnswersError("docker.lock_timeout", timeout, "seconds from 0 to 86400")
    for name in ("medic_os", "haproxy"):
        value = getattr(config.images, name)
        if not isinstance(value, str) or not IMAGE_REF.match(value):
            raise AnswersError(f"images.{name}", value, "an image reference name:tag")
    if config.tls.mode not in TLS_MODES:
        raise AnswersError("tls.mode", config.tls.mode, " | ".join(TLS_MODES))
    if config.tls.mode == "own" and not config.tls.certificate:
        raise AnswersError("tls.certificate", config.tls.certificate,
                           "the path of your certificate file (with tls.mode: own)")
    for name in ("certificate", "chain", "key", "trust_store"):
        value = getattr(config.tls, name)
        if value is not None and not (isinstance(value, str) and value.startswith("/")):
            raise AnswersError(f"tls.{name}", value, "an absolute path such as /root/cht.pem")
    if config.tls.password is not None and not isinstance(config.tls.password, str):
        raise AnswersError("tls.password", "********", "text, or null")
    if config.tls.acme_directory is not None and not URL.match(str(config.tls.acme_directory)):
        raise AnswersError("tls.acme_directory", config.tls.acme_directory,
                           "the https:// URL of an ACME directory")
    if config.tls.email is not None and not EMAIL.match(str(config.tls.email)):
        raise AnswersError("tls.email", config.tls.email, "an e-mail address")
    config = _check_version(config)
    for name in ("builds_url", "upgrade_service_url"):
        value = getattr(config, name)
        if value is not None and not (isinstance(value, str) and URL.match(value)):
            raise AnswersError(name, value, "an http(s):// URL, or null for CHT's own")
    for flag in ("accept_warnings", "allow_unsupported"):
        if not isinstance(getattr(config, flag), bool):
            raise AnswersError(flag, getattr(config, flag), "true or false")
    _check_care(config)
    return config


def _whole(name: str, value: object, low: int, high: int, unit: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AnswersError(name, value, f"a whole number of {unit} from {low} to {high}")


def _check_care(config: InstallConfig) -> None:
    """backup, alerts, updates and logs: what keeps CHT safe once it is installed."""
    backup = config.backup
    if backup.dir is not None and not (isinstance(backup.dir, str) and backup.dir.startswith("/")
                                       and backup.dir.rstrip("/") not in ("", "/opt/cht")):
        raise AnswersError("backup.dir", backup.dir,
                           "an absolute folder such as /var/backups/cht (not / or /opt/cht)")
    if not (isinstance(backup.schedule, str) and DAILY_TIME.match(backup.schedule)):
        raise AnswersError("backup.schedule", backup.schedule,
                           "a time of day HH:MM, such as 02:30 (every night at half past two)")
    _whole("backup.keep", backup.keep, 1, 365, "backups")
    alerts = config.alerts
    for name in ("webhook", "ping_url"):
        value = getattr(alerts, name)
        if value is not None and not (isinstance(value, str) and URL.match(value)):
            raise AnswersError(f"alerts.{name}", value, "an http(s):// URL, or null")
    if alerts.email is not None and not EMAIL.match(str(alerts.email)):
        raise AnswersError("alerts.email", alerts.email, "an e-mail address, or null")
    _whole("alerts.every_minutes", alerts.every_minutes, 1, 1440, "minutes")
    if alerts.every_minutes not in EVERY_MINUTES:
        raise AnswersError("alerts.every_minutes", alerts.every_minutes,
                           "minutes that divide an hour or hours that divide a day: "
                           f"{', '.join(str(m) for m in EVERY_MINUTES)}")
    if config.updates.automatic is not None and not isinstance(config.updates.automatic, bool):
        raise AnswersError("updates.automatic", config.updates.automatic, "true, false or null")
    _whole("logs.max_mb", config.logs.max_mb, 1, 1024, "megabytes")


def _check_version(config: InstallConfig) -> InstallConfig:
    """cht_version is a release of a line cht-install serves; a 3.x one also names the
    medic-os image (medicmobile/medic-os:cht-VERSION) unless images.medic_os is custom."""
    version = config.cht_version
    if version is None:
        return config
    expected = ("a CHT version such as 3.9.0-rc.2 (CHT 3.x, end of life), 4.21.1 or 5.0.2 "
                "(the current line)")
    found = CHT_VERSION.match(version) if isinstance(version, str) else None
    if found is None:
        raise AnswersError("cht_version", version, expected)
    if int(found.group(1)) not in CHT_LINES:
        raise AnswersError("cht_version", version, f"{expected}: cht-install serves 3.x, "
                           "4.x and 5.x")
    tagged = MEDIC_OS_TAG.match(config.images.medic_os)
    if CHT_LINES[int(found.group(1))] == "3.x" and tagged and tagged["version"] != version:
        images = replace(config.images, medic_os=f"{tagged['repo']}:cht-{version}")
        return replace(config, images=images)
    return config


def check_files(config: InstallConfig) -> InstallConfig:
    """The files the answers name exist and can be read (checked before the first change)."""
    import os

    for name in ("certificate", "chain", "key", "trust_store"):
        value = getattr(config.tls, name)
        if value is None:
            continue
        path = Path(value)
        if not path.is_file():
            raise AnswersError(f"tls.{name}", value, "an existing file (there is none there)")
        if not os.access(path, os.R_OK):
            raise AnswersError(f"tls.{name}", value, "a file cht-install may read (run it "
                               "as root, or fix the file's permissions)")
    return config


def load_mapping(path: Path) -> dict[str, Any]:
    """An answers file's mapping, keys checked (a typo is an error); values are checked
    once all sources are merged, so a file may give only some answers."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise AnswersError(str(path), "(file)",
                           "a text file in UTF-8 (this one is binary, or saved in another "
                           f"encoding: byte {exc.start + 1} is not text)") from exc
    except yaml.YAMLError as exc:
        raise AnswersError(str(path), "(file)", f"valid YAML ({exc})") from exc
    except OSError as exc:
        raise AnswersError(str(path), "(file)", f"a readable file ({exc.strerror})",
                           unreadable=isinstance(exc, PermissionError)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnswersError(str(path), "(file)", "a mapping of answers")
    _check_keys("", data, InstallConfig)
    for key, kind in NESTED.items():
        section = data.get(key)
        if section is not None and not isinstance(section, dict):
            raise AnswersError(key, section, "a mapping of keys")
        _check_keys(key, section or {}, kind)
    return data


def load(path: Path) -> InstallConfig:
    return from_mapping(load_mapping(path))


def dump(config: InstallConfig) -> str:
    """The answers file text (0600): the admin password is never saved here (it lives in
    /opt/cht/.env); tls.password is, so that a repair can open the operator's files."""
    header = "# cht-install answers: re-used by every later run (repair)\n"
    return header + yaml.safe_dump(config.to_mapping(), sort_keys=False)
