"""Bad values for every field of the answers file, with the words the error must say.

(field as named in the error, the answers fragment, what the error must contain)
"""

from __future__ import annotations

from typing import Any

OWN = {"mode": "own", "certificate": "/etc/hostname"}

BAD_ANSWERS: list[tuple[str, dict[str, Any], str]] = [
    ("hostname", {"hostname": ""}, "a host name"),
    ("hostname", {"hostname": "-cht.example.org"}, "a host name"),
    ("hostname", {"hostname": "cht_server.example.org"}, "a host name"),
    ("hostname", {"hostname": "a" * 64 + ".example.org"}, "a host name"),
    ("hostname", {"hostname": ("abcdefghi." * 26) + "org"}, "a host name"),
    ("hostname", {"hostname": "cht example.org"}, "a host name"),
    ("hostname", {"hostname": 1234}, "a host name"),
    ("admin_password", {"admin_password": "short"}, "at least 8 characters"),
    ("admin_password", {"admin_password": 12345678}, "at least 8 characters"),
    # medic-os hands the password to CouchDB in a curl config line and a JSON string.
    ("admin_password", {"admin_password": 'pass"word1'}, "a double quote is not allowed"),
    ("admin_password", {"admin_password": "pass\\word1"}, "a backslash is not allowed"),
    ("admin_password", {"admin_password": "it's-a-secret"}, "a single quote is not allowed"),
    ("admin_password", {"admin_password": " leading-space"}, "spaces at the start"),
    ("admin_password", {"admin_password": "tab\tinside"}, "control characters"),
    ("admin_password", {"admin_password": "pa${HOME}ss"}, "reads ${...} in .env"),
    # The current line puts the password inside COUCH_URL (CHT's cht-core.yml).
    ("admin_password", {"cht_version": "5.0.2", "admin_password": "pass@word:1"},
     "only letters, digits and . _ ~ - are allowed"),
    ("cht_version", {"cht_version": "6.0.0"}, "cht-install serves 3.x, 4.x and 5.x"),
    ("cht_version", {"cht_version": "newest"}, "latest, or a CHT version such as 5.2.0"),
    ("cht_version", {"cht_version": 5.0}, "latest, or a CHT version such as 5.2.0"),
    ("builds_url", {"builds_url": "staging.dev.medicmobile.org"}, "an http(s):// URL"),
    ("upgrade_service_url", {"upgrade_service_url": "ftp://x/y.yml"}, "an http(s):// URL"),
    ("http_port", {"http_port": 0}, "a port number from 1 to 65535"),
    ("http_port", {"http_port": 70000}, "a port number from 1 to 65535"),
    ("http_port", {"http_port": "80"}, "a port number from 1 to 65535"),
    ("https_port", {"https_port": True}, "a port number from 1 to 65535"),
    ("https_port", {"https_port": -443}, "a port number from 1 to 65535"),
    ("https_port", {"http_port": 8443, "https_port": 8443}, "a port other than http_port"),
    ("data", {"data": "srv/cht"}, "an absolute host path"),
    ("data", {"data": 5}, "an absolute host path"),
    ("proxy.http", {"proxy": {"http": "proxy.example.org:3128"}},
     "http://[user:password@]host:port"),
    ("proxy.https", {"proxy": {"https": "socks5://proxy.example.org:1080"}},
     "http://[user:password@]host:port"),
    ("proxy.https", {"proxy": {"https": "http://proxy.example.org:3128/path"}},
     "http://[user:password@]host:port"),
    ("proxy.no_proxy", {"proxy": {"no_proxy": "localhost; 10.0.0.0/8"}},
     "names or addresses, comma-separated"),
    ("registry", {"registry": "my registry:5000"}, "host:port of a registry"),
    ("registry", {"registry": "http://mirror.example.org"}, "host:port of a registry"),
    ("registry", {"registry": "mirror.example.org:99999"}, "host:port of a registry"),
    ("docker.source", {"docker": {"source": "snap"}}, "official or distro"),
    ("docker.repo_url", {"docker": {"repo_url": "ftp://mirror/docker"}}, "an http(s):// URL"),
    ("docker.key_fingerprint", {"docker": {"key_fingerprint": "9DC858229FC7DD38"}},
     "40 hexadecimal digits"),
    ("docker.group_user", {"docker": {"group_user": "Big Boss"}}, "a user name"),
    ("docker.lock_timeout", {"docker": {"lock_timeout": -1}}, "seconds from 0 to 86400"),
    ("docker.lock_timeout", {"docker": {"lock_timeout": "600"}}, "seconds from 0 to 86400"),
    ("backup.dir", {"backup": {"dir": "backups"}}, "an absolute folder"),
    ("backup.dir", {"backup": {"dir": "/"}}, "not / or /opt/cht"),
    ("backup.dir", {"backup": {"dir": "/opt/cht/"}}, "not / or /opt/cht"),
    ("backup.schedule", {"backup": {"schedule": "2am"}}, "a time of day HH:MM"),
    ("backup.schedule", {"backup": {"schedule": "24:00"}}, "a time of day HH:MM"),
    ("backup.schedule", {"backup": {"schedule": "0 2 * * *"}}, "a time of day HH:MM"),
    ("backup.keep", {"backup": {"keep": 0}}, "a whole number of backups from 1 to 365"),
    ("backup.keep", {"backup": {"keep": "7"}}, "a whole number of backups from 1 to 365"),
    ("alerts.webhook", {"alerts": {"webhook": "hooks.slack.com/x"}}, "an http(s):// URL"),
    ("alerts.ping_url", {"alerts": {"ping_url": "hc-ping.com/uuid"}}, "an http(s):// URL"),
    ("alerts.email", {"alerts": {"email": "ops at example.org"}}, "an e-mail address"),
    ("alerts.every_minutes", {"alerts": {"every_minutes": 7}}, "minutes that divide an hour"),
    ("alerts.every_minutes", {"alerts": {"every_minutes": 0}}, "from 1 to 1440"),
    ("updates.automatic", {"updates": {"automatic": "yes"}}, "true, false or null"),
    ("logs.max_mb", {"logs": {"max_mb": 0}}, "megabytes from 1 to 1024"),
    ("images.medic_os", {"images": {"medic_os": "medicmobile/Medic-OS:cht-3"}},
     "an image reference name:tag"),
    ("images.medic_os", {"images": {"medic_os": "medicmobile/medic-os"}},
     "an image reference name:tag"),
    ("images.haproxy", {"images": {"haproxy": "medicmobile/haproxy:"}},
     "an image reference name:tag"),
    ("tls.mode", {"tls": {"mode": "acme"}}, "self-signed | own | letsencrypt"),
    ("tls.certificate", {"tls": {"mode": "own"}}, "the path of your certificate"),
    ("tls.certificate", {"tls": {**OWN, "certificate": "cht.pem"}}, "an absolute path"),
    ("tls.certificate", {"tls": {**OWN, "certificate": "/nonexistent/cht.pem"}},
     "an existing file"),
    ("tls.chain", {"tls": {**OWN, "chain": "chain.pem"}}, "an absolute path"),
    ("tls.chain", {"tls": {**OWN, "chain": "/nonexistent/chain.pem"}}, "an existing file"),
    ("tls.key", {"tls": {**OWN, "key": "cht.key"}}, "an absolute path"),
    ("tls.key", {"tls": {**OWN, "key": "/nonexistent/cht.key"}}, "an existing file"),
    ("tls.password", {"tls": {**OWN, "password": 1234}}, "text, or null"),
    ("tls.trust_store", {"tls": {"trust_store": "ca.pem"}}, "an absolute path"),
    ("tls.trust_store", {"tls": {"trust_store": "/nonexistent/ca.pem"}}, "an existing file"),
    ("tls.email", {"tls": {"mode": "letsencrypt", "email": "ops.example.org"}},
     "an e-mail address"),
    ("tls.acme_directory", {"tls": {"acme_directory": "ftp://acme.example.org/dir"}},
     "the https:// URL of an ACME directory"),
    ("accept_warnings", {"accept_warnings": "yes"}, "true or false"),
    ("allow_unsupported", {"allow_unsupported": 1}, "true or false"),
    ("hostnmae", {"hostnmae": "cht.example.org"}, "one of the known keys"),
    ("tls.emial", {"tls": {"emial": "ops@example.org"}}, "one of the known keys"),
    ("docker.sorce", {"docker": {"sorce": "distro"}}, "one of the known keys"),
    ("images.medicos", {"images": {"medicos": "x:y"}}, "one of the known keys"),
    ("tls", {"tls": "self-signed"}, "a mapping of keys"),
]


def answers_for(fragment: dict[str, Any]) -> dict[str, Any]:
    """A whole answers mapping: good values, then the bad fragment over them."""
    data: dict[str, Any] = {"hostname": "cht.example.org"}
    data.update(fragment)
    return data
