"""CHT's current line (4.x/5.x): what CHT's own install page, its compose templates, its
nginx image and the upgrade service say about the layout, the .env, the services, TLS and
how the line is started (data)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINE = "CHT 4.x/5.x (current)"
LINE_ID = "current"
NOTICE = "CHT's supported line: installed the way CHT's Docker hosting page documents."

# medic/cht-docs hosting/cht/docker/installation.md: CHT's build server serves each
# release's compose files; the upgrade service's compose file is in its repository.
BUILDS_URL = "https://staging.dev.medicmobile.org/_couch/builds_4"
COMPOSE_FILES = ("cht-core.yml", "cht-couchdb.yml")
UPGRADE_SERVICE_URL = (
    "https://raw.githubusercontent.com/medic/cht-upgrade-service/main/docker-compose.yml")

# The page's layout (/home/ubuntu/cht/{compose,certs,upgrade-service,couchdb}), under
# cht-install's /opt/cht: the installer runs as root, with no "ubuntu" user to assume.
COMPOSE_DIR = "compose"
CERTS_DIR = "certs"
UPGRADE_DIR = "upgrade-service"
COUCHDB_DIR = "couchdb"

# .env (the page's "Prepare Environment Variables file"): the project, the paths, and the
# secrets; COUCHDB_USER is medic. Secrets are made once: a new one for an existing database
# would lock CHT out of its own data.
PROJECT = "cht"
ADMIN_USER = "medic"
SECRET_KEYS = ("COUCHDB_PASSWORD", "COUCHDB_SECRET")
# The upgrade service's compose project is its directory's name (compose's default).
UPGRADE_PROJECT = UPGRADE_DIR
UPGRADE_SERVICE = "cht-upgrade-service"
UPGRADE_SERVICE_IMAGE = "public.ecr.aws/s5s3h4s7/cht-upgrade-service:latest"

# cht-core.yml: nginx publishes 80/443 and keeps its certificate in the cht-ssl volume
# (nginx/ssl-install.sh: cert.pem and key.pem in /etc/nginx/private; certbot's webroot
# /etc/nginx/private/certbot, served for /.well-known/acme-challenge/ by nginx.conf).
WEB_SERVICE = "nginx"
SSL_VOLUME = "cht-ssl"
NGINX_PRIVATE = "/etc/nginx/private"
CERT_PATH = f"{NGINX_PRIVATE}/cert.pem"
KEY_PATH = f"{NGINX_PRIVATE}/key.pem"
CHALLENGE_ROOT = f"{NGINX_PRIVATE}/certbot"
RELOAD_NGINX = ("nginx", "-s", "reload")
# The nginx image's entrypoint says this once its scripts (ssl-install.sh's certificate,
# which can take seconds to make) and templates are done, just before nginx starts.
WEB_READY = b"Configuration complete; ready for start up"
# What the Docker engine answers an upgrade service whose bundled client is older than the
# engine accepts (Docker 29 refuses API versions below 1.44; cht-upgrade-service issue 38 and
# CHT's upgrade troubleshooting page: "client version 1.41 is too old. Minimum supported API
# version is 1.44, please upgrade your client to a newer version").
CLIENT_TOO_OLD = re.compile(
    rb"client version ([0-9.]+) is too old\. Minimum supported API version is ([0-9.]+)")
# CERTIFICATE_MODE per tls.mode: the installer makes the self-signed certificate itself
# (with the host's names as subjectAltName, which browsers and phones require; the image's
# own has a common name only) and nginx keeps one that exists (SELF_SIGNED never
# overwrites); Let's Encrypt runs the certbot compatibility (AUTO_GENERATE) so nginx starts
# with a placeholder before the first certificate.
CERTIFICATE_MODES = {"self-signed": "SELF_SIGNED", "own": "OWN_CERT",
                     "letsencrypt": "AUTO_GENERATE"}
# nginx.conf: ssl_protocols TLSv1.2 TLSv1.3 with ECDHE/DHE ciphers: RSA and ECDSA keys work.
KEY_TYPES = ("RSA", "EC")

API_INFO = "/api/info"
SESSION = "/_session"
# How long CHT's services may take to come up once their images are here, and CHT's API
# to set itself up at its first start (answering 502 until then).
READY_TIMEOUT = 900.0
SETUP_TIMEOUT = 1800.0

# CHT's requirements page, production Docker hosting: 8 GB RAM / 4 CPU / 100 GB SSD.
MIN_RAM_GB = 8
MIN_CPUS = 4
MIN_DISK_GB = 100

MIGRATION_GUIDE = "https://docs.communityhealthtoolkit.org/hosting/cht/migration/"


def container_name(service: str, project: str = PROJECT) -> str:
    """The container compose v2 names for a service (project-service-1)."""
    return f"{project}-{service}-1"


# The API's BUILDS_URL is ${MARKET_URL_READ}/${BUILDS_SERVER} (cht-core.yml; the upgrade
# service passes both on): a mirror of the build server reaches CHT's admin app and API
# upgrades only through them.
BUILDS_KEYS = ("MARKET_URL_READ", "BUILDS_SERVER")


def builds_settings(builds_url: str | None) -> dict[str, str]:
    """MARKET_URL_READ and BUILDS_SERVER for a mirror of the build server; none for CHT's
    own (cht-core.yml's defaults name it)."""
    if not builds_url or builds_url.rstrip("/") == BUILDS_URL:
        return {}
    parts = urlsplit(builds_url.rstrip("/"))
    return {"MARKET_URL_READ": f"{parts.scheme}://{parts.netloc}",
            "BUILDS_SERVER": parts.path.lstrip("/")}


def compose_url(builds: str, version: str, name: str) -> str:
    """A release's compose file on CHT's build server (or a mirror laid out the same)."""
    return f"{builds.rstrip('/')}/medic:medic:{version}/docker-compose/{name}"


# cht-core.yml puts the password inside a URL (COUCH_URL=http://USER:PASSWORD@haproxy):
# only URL-safe characters reach CouchDB unchanged.
URL_SAFE_PASSWORD = re.compile(r"^[A-Za-z0-9._~-]+$")


def password_problem(password: str) -> str | None:
    """Why CHT's compose file could not take this admin password unchanged; None when it
    can."""
    if URL_SAFE_PASSWORD.match(password):
        return None
    return ("only letters, digits and . _ ~ - are allowed: CHT's compose file puts the "
            "password inside a web address (COUCH_URL), where other characters change "
            "its meaning (words joined by hyphens, as CHT's docs make, are fine)")
