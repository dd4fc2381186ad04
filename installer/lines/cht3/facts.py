"""CHT 3.x (medic-os + haproxy): what medic-os's own source and CHT's 3.x hosting page say
about its boot, its post-setup commands, its admin account, its TLS and its limits (data)."""

from __future__ import annotations

import re

LINE = "CHT 3.x (medic-os)"
LINE_ID = "3.x"
PROJECT = "cht"  # compose's project of the stack (`docker-compose -p cht`)
# One line, like get.docker.com's end-of-life notices: said, never blocking.
END_OF_LIFE_NOTICE = ("Note: CHT 3.x is past its end of life (no more fixes, security ones "
                      "included); cht-install still installs and repairs it.")
END_OF_LIFE = (
    "CHT 3.x is past its end of life under CHT's release policy: it gets no more fixes, "
    "security ones included. cht-install still installs and repairs it for existing "
    "sites; new sites should plan for the current CHT line."
)

# medic-os images are tagged by medic-os release, not by CHT release: CHT's 3.x hosting
# pages run the final one, and its horticulturalist postrun installs CHT 3.9.0 at the first
# start (`--install=3.9.0`; with $DOCKER_HORTI_BOOTSTRAP set, minimist still reads
# --install=3.9.0: another release is not installed that way). Other 3.x releases are
# installed afterwards from the Upgrades page of CHT's admin app (horticulturalist).
FINAL_IMAGE = "medicmobile/medic-os:cht-3.9.0-rc.2"
FINAL_TAG_VERSION = "3.9.0-rc.2"
BOOTSTRAP_RELEASE = "3.9.0"
MIGRATION_GUIDE = "https://docs.communityhealthtoolkit.org/hosting/cht/migration/"
MOVING_ON = ("Plan the move to CHT's current line: `sudo cht-install migrate --dry-run` shows "
             f"it (CHT's migration guide: {MIGRATION_GUIDE})")


def other_release_words(version: str) -> str | None:
    """What cht-install does when a 3.x release other than the one medic-os's final image
    installs is asked for; None for that one."""
    if version in (FINAL_TAG_VERSION, BOOTSTRAP_RELEASE, "3.x"):
        return None
    return (f"medic-os's final image (cht-{FINAL_TAG_VERSION}) installs CHT "
            f"{BOOTSTRAP_RELEASE}, and that is what cht-install installs: no medic-os image "
            f"holds CHT {version}. Once CHT answers, install {version} from the Upgrades page "
            "of CHT's admin app (/admin/#/upgrade), or better, move to CHT's current line.")


# The medic-os image is built for x64 only (its Dockerfile: `echo x64 > /etc/platform`).
ARCHES = ("x86_64",)

# Boot (platform/initrd/common/boot/system-container-start), in docker logs as
# "[YYYY/MM/DD HH:MM:SS] Info: ...".
UNPACK_PROGRESS = re.compile(rb"Setting up software \((\d+)% complete\)")
STARTED = b"System started successfully"
FATAL = re.compile(rb"^Fatal: .*$", re.MULTILINE)

# CHT installs itself after boot: horticulturalist's postrun downloads the release named by
# --install=VERSION, logging to HORTI_LOG, then touches BOOTSTRAPPED.
BOOTSTRAPPED = "/srv/settings/horticulturalist/.bootstrapped"
HORTI_LOG = "/srv/storage/horticulturalist/logs/horticulturalist.log"
HORTI_POSTRUN = "/srv/scripts/horticulturalist/postrun/horticulturalist"
INSTALL_FLAG = re.compile(r"--install=([^\s'\"]+)")
COMPLETE_FLAG = "--complete-install"
# How long CHT may take to download and install itself: minutes on a slow link.
INSTALL_TIMEOUT = 1800.0
API_INFO = "/api/info"

# CHT's 3.x hosting page: services a Docker install does not need (openssh is an SSH
# server inside the container). None = every service of the package.
UNNEEDED_SERVICES: tuple[tuple[str, str | None], ...] = (
    ("medic-core", "openssh"), ("medic-rdbms", None), ("medic-couch2pg", None))
SCRIPTS = "/srv/scripts"
SERVICES_DIR = SCRIPTS + "/{package}/run"
# Each package's disabled services, as medic-os's supervisor marks them (beside the
# package's logs, which are not read).
STATUS_DIR = "/srv/system/storage/supervisor/{package}/status/persistent"
DISABLED_MARK = STATUS_DIR + "/{service}.disabled"

# The admin account (postrun/couchdb): "medic", with $DOCKER_COUCHDB_ADMIN_PASSWORD, or a
# random one printed once when that is empty; its copy in PASSWORD_FILE.
ADMIN_USER = "medic"
PASSWORD_FILE = "/srv/storage/medic-core/passwd/medic"
# CouchDB's node name in medic-os (COUCH_NODE_NAME in medic-api's and sentinel's run
# scripts): the node whose _config holds the admins (cht-core 3.14+ changes an admin's
# password at /_node/<it>/_config/admins/<name>).
COUCH_NODE = "couchdb@127.0.0.1"
PICKED_PASSWORD = b"New CouchDB Administrative Password:"
SESSION = "/_session"
# postrun/couchdb sends the password inside a curl config line (data = "\"...\"") and
# a JSON string: a double quote or a backslash would not reach CouchDB unchanged.
PASSWORD_REFUSED = {
    '"': "a double quote",
    "\\": "a backslash",
    "'": "a single quote",
}


def password_problem(password: str) -> str | None:
    """Why medic-os could not take this admin password unchanged; None when it can.

    medic-os's first-start script hands it to CouchDB inside a curl config line and a JSON
    string (quotes and backslashes would change), compose reads it from .env (where it is
    single-quoted, so $, # and spaces stay as they are, but compose v1 still expands ${...}),
    and the shell's echo writes it.
    """
    for char, name in PASSWORD_REFUSED.items():
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

# nginx.conf as shipped: `ssl_ciphers ECDHE-RSA-AES256-SHA:DHE-RSA-AES256-SHA:...` (RSA
# key exchange authentication only), `ssl_protocols TLSv1.2 TLSv1.1 TLSv1`.
KEY_TYPES = ("RSA",)


def describe() -> dict[str, object]:
    """The stack, for the dry-run JSON."""
    return {"line": LINE_ID, "name": LINE, "end_of_life": True, "notice": END_OF_LIFE_NOTICE}

# CHT's 3.x requirements: 4 GB RAM / 2 CPU / 50 GB disk.
MIN_RAM_GB = 4
MIN_CPUS = 2
MIN_DISK_GB = 50


# `cht-install upgrade` on 3.x: CHT's 3.x hosting pages move between 3.x releases from the
# admin app (horticulturalist installs them); the current line is reached by a migration.
UPGRADE_REFUSAL = (
    "This server runs CHT 3.x (medic-os). CHT 3.x moves between its own releases from CHT's "
    "admin app (App Management, Upgrades), as CHT's 3.x hosting pages say; cht-install "
    "keeps medic-os as it is. Moving to CHT 4.x/5.x is a migration of the data, not an "
    "upgrade: `sudo cht-install migrate --dry-run` shows its plan (CHT's guide: "
    "https://docs.communityhealthtoolkit.org/hosting/cht/migration/migration-to-4x-docker/ ).")
