"""The operator's choices (the answers-file contract): each answer declared once, where its
value lives (its entry: flag, label, prompt, check, secret); loading, validation (each
answer's own check, then the rules between answers) and saving, all made from them."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from installer import answer_checks as check
from installer.answer_checks import CHT_LINES, CHT_VERSION, LATEST, SUPPORTED_EXAMPLE, to_ascii
from installer.answer_entry import Answer, answer, dest, entries
from installer.lines.cht3 import facts as cht3
from installer.lines.current import facts as current

TLS_MODES = ("self-signed", "own", "letsencrypt")
DOCKER_SOURCES = ("official", "distro")
MEDIC_OS_TAG = re.compile(r"^(?P<repo>medicmobile/medic-os):cht-(?P<version>.+)$")
MORE = "More settings"
AFTER = "After the install"
URL_OR_NULL = "an http(s):// URL, or null"
PROXY_OR_NULL = "http://[user:password@]host:port, or null"
PATH = "an absolute path such as /root/cht.pem"
CHTS_OWN_OR_URL = check.matching(check.URL, "an http(s):// URL, or null for CHT's own")


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
    source: str = answer(
        "official", "--docker-source",
        "Docker's own repository (default) or the distribution's packages",
        choices=DOCKER_SOURCES, check=check.one_of(DOCKER_SOURCES, " or "),
        label="Where Docker comes from", section=MORE,
        prompt="Where Docker comes from (if it is not installed yet):")
    repo_url: str | None = answer(
        None, "--docker-repo-url", "a mirror of download.docker.com", "URL",
        check=check.loosely(check.URL, "an http(s):// URL"))
    # A mirror that re-signs Docker's repository: its key's fingerprint.
    key_fingerprint: str | None = answer(
        None, "--docker-key-fingerprint", "the mirror's signing-key fingerprint, if it "
        "re-signs", "FPR", check=check.loosely(check.FINGERPRINT, "40 hexadecimal digits",
                                               strip=" "))
    # The user (e.g. the one behind sudo) to let run docker without sudo; null = nobody.
    group_user: str | None = answer(
        None, "--docker-group-user", "let USER run docker without sudo (default: no user)",
        "USER", check=check.loosely(check.USER, "a user name such as ubuntu"),
        label="User who may run docker without sudo")
    # How long to wait for another package install (e.g. unattended-upgrades), seconds.
    lock_timeout: int = answer(
        600, "--lock-timeout", "how long to wait for another package install (default 600)",
        "SECONDS", check=check.whole(0, 86400, "seconds from 0 to 86400"))


IMAGE = check.matching(check.IMAGE_REF, "an image reference name:tag", optional=False)


@dataclass(frozen=True)
class Images:
    # 3.x's images: an answers file may name others (mirrors).
    medic_os: str = answer(cht3.FINAL_IMAGE, check=IMAGE)
    haproxy: str = answer("medicmobile/haproxy:rc-1.17", check=IMAGE)


@dataclass(frozen=True)
class TlsChoice:
    mode: str = answer(
        "self-signed", "--tls-mode", "where the certificate comes from (default self-signed)",
        choices=TLS_MODES, check=check.one_of(TLS_MODES, " | "), label="TLS certificate",
        prompt="TLS certificate (phones sync only with one they trust):")
    certificate: str | None = answer(
        None, "--tls-certificate", "own: your certificate (PEM with its chain, DER or PFX)",
        "FILE", check=check.absolute_path(PATH), label="Certificate file",
        prompt="Certificate file (PEM with its chain, DER or PFX):",
        placeholder="(not set; e.g. /path/to/cht.pem)")
    chain: str | None = answer(
        None, "--tls-chain", "own: a separate chain file", "FILE",
        check=check.absolute_path(PATH), label="Chain file",
        prompt="Chain file (optional, when the chain is separate):",
        placeholder="(not set: optional)")
    key: str | None = answer(
        None, "--tls-key", "own: your private key (PEM)", "FILE",
        check=check.absolute_path(PATH), label="Key file",
        prompt="Key file (not for a PFX file, which carries its own):",
        placeholder="(not set; e.g. /path/to/cht.key)")
    password: str | None = answer(
        None, check=check.text_or_null("text, or null"), label="Password of the PFX or key",
        prompt="Password of the PFX file or the key (if it has one):",
        placeholder="(not set)", secret=True)
    email: str | None = answer(
        None, "--tls-email", "letsencrypt: for expiry notices", "ADDRESS",
        check=check.loosely(check.EMAIL, "an e-mail address"),
        label="E-mail for expiry notices", prompt="E-mail for Let's Encrypt's expiry notices:",
        placeholder="(not set; e.g. you@example.org)")
    acme_directory: str | None = answer(
        None, "--acme-directory", "letsencrypt: the ACME directory (default Let's Encrypt)",
        "URL", check=check.loosely(check.URL, "the https:// URL of an ACME directory"))
    # Extra CA certificates (PEM) trusted when checking a chain: private CAs, tests.
    trust_store: str | None = answer(
        None, "--tls-trust-store", "extra CA certificates to trust when checking chains",
        "FILE", check=check.absolute_path(PATH))


@dataclass(frozen=True)
class BackupChoice:
    # Where the nightly backups go; null = no scheduled backups (`cht-install backup` still
    # works, into /var/backups/cht).
    dir: str | None = answer(
        None, "--backup-dir", "nightly backups of CHT's data into DIR (e.g. /var/backups/cht)",
        "DIR", check=check.backup_dir, label="Nightly backups folder", section=AFTER,
        prompt="Nightly backups of CHT's data into this folder (empty = none):",
        placeholder="(not set: no nightly backups)")
    # When, every day, in the server's local time (HH:MM).
    schedule: str = answer(
        "02:30", "--backup-schedule", "when, each day (default 02:30)", "HH:MM",
        check=check.matching(check.DAILY_TIME, "a time of day HH:MM, such as 02:30 (every "
                             "night at half past two)", optional=False),
        label="Backup time", section=AFTER,
        prompt="Every night at (HH:MM, this server's time):", placeholder="(not set: 02:30)")
    # How many backups to keep in dir; older ones are deleted once a new one is verified.
    keep: int = answer(
        7, "--backup-keep", "backups to keep (default 7)", "N",
        check=check.number_of("backups", 1, 365), label="Backups to keep", section=AFTER,
        prompt="How many backups to keep (older ones are deleted):",
        placeholder="(not set: 7)")


@dataclass(frozen=True)
class AlertsChoice:
    # An incoming-webhook URL: a JSON POST when CHT breaks, recovers, and daily while broken.
    webhook: str | None = answer(
        None, "--alerts-webhook", "alert this incoming webhook when CHT breaks and recovers",
        "URL", check=check.matching(check.URL, URL_OR_NULL), label="Alert webhook",
        section=AFTER, prompt="Alert this webhook when CHT breaks or recovers (ntfy, Slack, "
        "Teams ...; empty = none):", placeholder="(not set; e.g. https://ntfy.sh/your-topic)")
    # An address to e-mail the same alerts to, through this server's sendmail.
    email: str | None = answer(
        None, "--alerts-email", "e-mail alerts to ADDRESS (through this server's sendmail)",
        "ADDRESS", check=check.loosely(check.EMAIL, "an e-mail address, or null"),
        label="Alert e-mail", section=AFTER,
        prompt="and/or this e-mail address (needs sendmail on this server):",
        placeholder="(not set)")
    # A healthchecks-style URL pinged after every check (URL/fail when unhealthy): it warns
    # you when the server itself goes silent.
    ping_url: str | None = answer(
        None, "--alerts-ping-url", "a healthchecks-style URL pinged after every health check",
        "URL", check=check.matching(check.URL, URL_OR_NULL))
    # How often the health check runs, in minutes.
    every_minutes: int = answer(
        15, "--alerts-every", "how often the health check runs (default 15)", "MINUTES",
        check=check.every_minutes)


@dataclass(frozen=True)
class UpdatesChoice:
    # true: cht-install turns on the OS's automatic security updates; false or null: it
    # only reports whether they are on.
    automatic: bool | None = answer(
        None, "--automatic-updates", "yes: turn on the OS's automatic security updates",
        choices=("yes", "no"), flag_values={"yes": True, "no": False},
        check=check.flag("true, false or null", optional=True),
        label="Automatic security updates", section=AFTER)


@dataclass(frozen=True)
class LogsChoice:
    # cht-install's own log is rotated past this size (one older copy is kept), and its
    # journal of runs is trimmed past it.
    max_mb: int = answer(
        20, "--log-max-mb", "cht-install's log is rotated past this size (default 20)", "MB",
        check=check.number_of("megabytes", 1, 1024))


@dataclass(frozen=True)
class ProxyChoice:
    # The proxy this server reaches the internet through, for http:// and https://
    # addresses (http://[user:password@]host:port); not set: the environment's http_proxy
    # and https_proxy when set, else none. Every fetch cht-install makes and Docker's
    # pulls go through it.
    http: str | None = answer(
        None, "--proxy-http", "the proxy for http:// addresses: http://[USER:PASSWORD@]HOST:PORT",
        "URL", check=check.matching(check.PROXY, PROXY_OR_NULL), label="HTTP proxy",
        section=MORE, prompt="Proxy this server reaches the internet through, for http:// "
        "(http://host:port; empty = none, or the environment's):", placeholder="(not set)")
    https: str | None = answer(
        None, "--proxy-https", "the proxy for https:// addresses (often the same as "
        "--proxy-http)", "URL", check=check.matching(check.PROXY, PROXY_OR_NULL),
        label="HTTPS proxy", section=MORE,
        prompt="and for https:// (usually the same):", placeholder="(not set)")
    # Names and addresses reached directly, comma-separated (e.g. localhost,127.0.0.1,
    # .internal.example.org).
    no_proxy: str | None = answer(
        None, "--no-proxy", "names and addresses reached without the proxy, comma-separated",
        "LIST", check=check.matching(check.NO_PROXY, "names or addresses, comma-separated, "
        "or null"), label="Reached without the proxy", section=MORE,
        prompt="Reached without the proxy (comma-separated; e.g. localhost,127.0.0.1):",
        placeholder="(not set)")


@dataclass(frozen=True)
class InstallConfig:
    hostname: str = answer(
        "", "--hostname", "the server's public host name", check=check.hostname,
        label="Host name",
        prompt="Host name people will use to reach CHT (also the certificate's name):",
        placeholder="(not set; e.g. cht.example.org)")
    admin_password: str | None = answer(
        None, check=check.admin_password, label="Admin password", secret=True,
        placeholder="(not set: one is generated)")
    http_port: int = answer(
        80, "--http-port", check=check.port, label="HTTP port", section=MORE,
        prompt="HTTP port (redirects to HTTPS; Let's Encrypt checks it):",
        placeholder="(not set: 80)")
    https_port: int = answer(
        443, "--https-port", check=check.port, label="HTTPS port", section=MORE,
        prompt="HTTPS port (phones and browsers connect here):", placeholder="(not set: 443)")
    data: str = answer(
        "volume", check=check.data_location, label="Where CHT keeps its data", section=MORE,
        prompt="Where CHT keeps its data: 'volume' (3.x: Docker's medic-data; 4.x/5.x: "
        "/opt/cht/couchdb) or a directory such as /srv:", placeholder="(not set: volume)")
    registry: str | None = answer(
        None, "--registry",
        "pull the images from this mirror (of Docker Hub and CHT's registry)", "HOST:PORT",
        check=check.registry, label="Registry mirror", section=MORE,
        prompt="Registry mirror to pull CHT's images from (host:port; empty = Docker Hub and "
        "CHT's own registry):", placeholder="(not set)")
    docker: DockerChoice = field(default_factory=DockerChoice)
    images: Images = field(default_factory=Images)
    tls: TlsChoice = field(default_factory=TlsChoice)
    accept_warnings: bool = answer(
        False, "--accept-warnings", "go on past hardware warnings (shortfalls)", switch=True,
        check=check.flag("true or false"))
    allow_unsupported: bool = answer(
        False, "--allow-unsupported", "go on past an unsupported OS release, at your own risk",
        switch=True, check=check.flag("true or false"))
    # The CHT release: 3.x selects medic-os (null = the one images.medic_os names), 4.x and
    # 5.x CHT's current stack (the upgrade service and CHT's compose files).
    cht_version: str | None = answer(
        None, "--cht-version", "the CHT release: latest (the newest on CHT's build server) "
        f"or one of the current line (e.g. {SUPPORTED_EXAMPLE}); or 3.x (3.9.0-rc.2, end of "
        "life; the default)", "VERSION",
        check=check.cht_version, label="CHT version",
        prompt=f"CHT version (latest, or e.g. {SUPPORTED_EXAMPLE}; 3.9.0-rc.2 for 3.x):",
        placeholder=f"(not set; e.g. latest or {SUPPORTED_EXAMPLE})")
    # Where the current line's compose files come from: CHT's build server, or a mirror.
    builds_url: str | None = answer(
        None, "--builds-url", "4.x/5.x: a mirror of CHT's build server (the compose files)",
        "URL", check=CHTS_OWN_OR_URL,
        label="Mirror of CHT's build server", section=MORE,
        prompt="4.x/5.x: mirror of CHT's build server, for the compose files (empty = CHT's):",
        placeholder="(not set)")
    # The upgrade service's docker-compose.yml (CHT's repository), or a mirror's copy.
    upgrade_service_url: str | None = answer(
        None, "--upgrade-service-url",
        "4.x/5.x: where the upgrade service's docker-compose.yml comes from", "URL",
        check=CHTS_OWN_OR_URL)
    backup: BackupChoice = field(default_factory=BackupChoice)
    alerts: AlertsChoice = field(default_factory=AlertsChoice)
    updates: UpdatesChoice = field(default_factory=UpdatesChoice)
    logs: LogsChoice = field(default_factory=LogsChoice)
    proxy: ProxyChoice = field(default_factory=ProxyChoice)


    @property
    def line(self) -> str:
        """Which CHT line the answers select: "3.x" or "current" (4.x/5.x)."""
        if self.version == LATEST:
            return current.LINE_ID
        found = CHT_VERSION.match(self.version)
        return CHT_LINES.get(int(found.group(1)), cht3.LINE_ID) if found else cht3.LINE_ID

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

    def with_answers(self, given: Mapping[str, Any]) -> InstallConfig:
        """These answers changed, by their dotted keys (tls.email), then validated."""
        return validate(_replaced(self, given))

    def to_mapping(self, keep_secrets: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not keep_secrets:
            # tls.password stays: a repair must still open the PFX or key (file is 0600).
            data["admin_password"] = None
        return data


def _replaced(value: Any, given: Mapping[str, Any]) -> Any:
    """A dataclass of answers with the dotted keys' values put in, nested ones too."""
    mine: dict[str, Any] = {}
    inner: dict[str, dict[str, Any]] = {}
    for key, new in given.items():
        first, dot, rest = key.partition(".")
        if dot:
            inner.setdefault(first, {})[rest] = new
        else:
            mine[key] = new
    for name, part in inner.items():
        mine[name] = _replaced(getattr(value, name), part)
    return replace(value, **mine)


# The table: every answer, in the answers file's order (the dataclasses above).
ANSWERS: tuple[Answer, ...] = tuple(entries(InstallConfig))
BY_KEY = {entry.key: entry for entry in ANSWERS}
NESTED: dict[str, type] = {item.name: item.default_factory  # type: ignore[misc]
                           for item in fields(InstallConfig)
                           if item.default_factory is not dataclasses.MISSING}
# A flag that is not an answer of its own: it sets tls.acme_directory to the staging CA.
STAGING = ("--acme-staging", "letsencrypt: use Let's Encrypt's staging CA (for trials)",
           "tls.acme_directory")
# Each line's rule for the admin password (where the line puts it: lines/*/facts.py).
PASSWORD_RULES = {cht3.LINE_ID: cht3.password_problem,
                  current.LINE_ID: current.password_problem}


def value_at(config: Any, key: str) -> Any:
    """An answer's value by its dotted key (tls.mode)."""
    value = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def password_problem(password: str, line: str = cht3.LINE_ID) -> str | None:
    """Why the line could not take this admin password unchanged; None when it can."""
    return PASSWORD_RULES[line](password)


class Cleared:
    """An answer that may be unset, given empty on the command line (`--backup-dir ''`):
    the saved one is removed, as an empty field on the settings screen removes it."""

    def __repr__(self) -> str:
        return "CLEARED"


CLEARED = Cleared()


def overrides_from(given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the flags give, nested as in the answers file (None: not given;
    CLEARED: given empty, for an answer that may be unset), from argparse's values by
    their dest."""
    nested: dict[str, Any] = {}
    for entry in ANSWERS:
        if not entry.flag:
            continue
        value = given.get(dest(entry.flag))
        if value is not None and entry.flag_values:
            value = entry.flag_values[value]
        if value == "" and entry.default is None:
            value = CLEARED
        *parents, leaf = entry.key.split(".")
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


def _check_keys(section: str, given: dict[str, Any], allowed: type) -> None:
    known = {f.name for f in fields(allowed)}
    for key in given:
        if key not in known:
            name = f"{section}.{key}" if section else key
            expected = f"one of the known keys: {', '.join(sorted(known))}"
            raise AnswersError(name, given[key], expected)


def from_mapping(data: dict[str, Any] | None) -> InstallConfig:
    """Build a validated config from an answers mapping; unknown keys are errors."""
    data = _without_a_made_up_tag(dict(data or {}))
    _check_keys("", data, InstallConfig)
    nested: dict[str, Any] = {}
    for key, kind in NESTED.items():
        section = data.pop(key, None) or {}
        if not isinstance(section, dict):
            raise AnswersError(key, section, "a mapping of keys")
        _check_keys(key, section, kind)
        nested[key] = kind(**section)
    return validate(InstallConfig(**data, **nested))


def validate(config: InstallConfig) -> InstallConfig:
    """Each answer's own check (its entry), in the file's order; then the rules between
    answers. The first bad answer is named, a secret one without its value."""
    for entry in ANSWERS:
        value = value_at(config, entry.key)
        expected = entry.check(value) if entry.check else None
        if expected:
            raise AnswersError(entry.key, "********" if entry.secret else value, expected)
    if config.http_port == config.https_port:
        raise AnswersError("https_port", config.https_port, "a port other than http_port")
    if config.admin_password is not None:
        problem = password_problem(config.admin_password, config.line)
        if problem:
            raise AnswersError("admin_password", "********", f"another password: {problem}")
    if config.tls.mode == "own" and not config.tls.certificate:
        raise AnswersError("tls.certificate", config.tls.certificate,
                           "the path of your certificate file (with tls.mode: own)")
    return config


def _without_a_made_up_tag(data: dict[str, Any]) -> dict[str, Any]:
    """Saved answers from before cht-install knew that medic-os images are tagged by
    medic-os release: it wrote images.medic_os as medicmobile/medic-os:cht-VERSION for a 3.x
    cht_version, a tag that does not exist for a CHT release number (medic-os's own tags end
    in -rc.N, such as cht-3.9.0-rc.2). Such a value goes back to the default image."""
    images = data.get("images")
    version = data.get("cht_version")
    if not isinstance(images, dict) or not isinstance(version, str) or "-" in version:
        return data
    if images.get("medic_os") == f"medicmobile/medic-os:cht-{version}" and (
            version != cht3.FINAL_TAG_VERSION):
        return {**data, "images": {k: v for k, v in images.items() if k != "medic_os"}}
    return data


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
    import yaml  # here: the screens' first frame is drawn without it

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
    import yaml

    header = "# cht-install answers: re-used by every later run (repair)\n"
    return header + yaml.safe_dump(config.to_mapping(), sort_keys=False)
