"""What a valid answer looks like: the patterns, and the small checks an answer's entry
names (each says what is expected, in words, or None when the value is fine)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from installer.lines.current.releases import supported_release

# A check: None when the value is valid, else what is expected instead, in words.
Check = Callable[[Any], "str | None"]

HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
REGISTRY = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
IMAGE_REF = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An http(s) URL naming a host (http://:8093/ names none), then any path.
URL = re.compile(r"^https?://(?:[^\s@/]+@)?[A-Za-z0-9\[][^\s/?#]*(?:[/?#]\S*)?$")
# A proxy: http(s)://[user:password@]host:port, nothing after the port but an optional /.
PROXY = re.compile(r"^https?://(?:[^\s@/]+@)?[A-Za-z0-9.\-\[\]:]+:\d{1,5}/?$")
# no_proxy: names, domains (.example.org), addresses and networks, comma-separated.
NO_PROXY = re.compile(r"^[A-Za-z0-9.\-*:/\[\]]+(?:\s*,\s*[A-Za-z0-9.\-*:/\[\]]+)*$")
FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
DAILY_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# The health check's intervals a cron line and a systemd timer both say evenly.
EVERY_MINUTES = (*(m for m in range(1, 60) if 60 % m == 0),
                 *(60 * h for h in range(1, 25) if 24 % h == 0))
USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\$?$")
# CHT's release numbers: 3.9.0-rc.2, 4.22.0, 5.2.0.
CHT_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)?$")
# The CHT lines cht-install serves, by major version (the ids of lines/*/facts.py).
CHT_LINES = {3: "3.x", 4: "current", 5: "current"}
# cht_version: latest is the newest release on CHT's build server (the current line),
# asked once and then written into the saved answers as its number.
LATEST = "latest"
SUPPORTED_EXAMPLE = supported_release()
VERSION_EXAMPLES = (f"latest, or a CHT version such as {SUPPORTED_EXAMPLE} (the current line) "
                    "or 3.9.0-rc.2 (CHT 3.x, end of life)")


def to_ascii(name: str) -> str:
    """A host name's ASCII (IDNA 2008, UTS 46) form; unchanged when it is ASCII already."""
    if name.isascii():
        return name
    import idna  # here: the screens' first frame is drawn without it

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


def hostname(value: Any) -> str | None:
    problem = hostname_problem(value) if isinstance(value, str) else "it is not text"
    return f"a host name such as cht.example.org: {problem}" if problem else None


def matching(pattern: re.Pattern[str], expected: str, optional: bool = True) -> Check:
    """Text the pattern matches (None allowed when optional)."""
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        return None if isinstance(value, str) and pattern.match(value) else expected
    return check


def loosely(pattern: re.Pattern[str], expected: str, strip: str = "") -> Check:
    """Anything whose text the pattern matches (without the characters in strip), or None."""
    def check(value: Any) -> str | None:
        text = str(value)
        for char in strip:
            text = text.replace(char, "")
        return None if value is None or pattern.match(text) else expected
    return check


def one_of(values: tuple[str, ...], joiner: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in values else joiner.join(values)
    return check


def whole(low: int, high: int, expected: str) -> Check:
    """A whole number from low to high (true and false are not numbers here)."""
    def check(value: Any) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else expected
    return check


def number_of(unit: str, low: int, high: int) -> Check:
    return whole(low, high, f"a whole number of {unit} from {low} to {high}")


port = whole(1, 65535, "a port number from 1 to 65535")


def absolute_path(expected: str) -> Check:
    def check(value: Any) -> str | None:
        ok = value is None or (isinstance(value, str) and value.startswith("/"))
        return None if ok else expected
    return check


def text_or_null(expected: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value is None or isinstance(value, str) else expected
    return check


def flag(expected: str, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        return None if isinstance(value, bool) or (optional and value is None) else expected
    return check


def registry(value: Any) -> str | None:
    text = str(value)
    ok = value is None or (REGISTRY.match(text) is not None and (
        ":" not in text or 1 <= int(text.rsplit(":", 1)[1]) <= 65535))
    return None if ok else "host:port of a registry mirror"


def data_location(value: Any) -> str | None:
    ok = value == "volume" or (isinstance(value, str) and value.startswith("/"))
    return None if ok else "'volume' or an absolute host path such as /srv"


def admin_password(value: Any) -> str | None:
    ok = value is None or (isinstance(value, str) and len(value) >= 8)
    return None if ok else "at least 8 characters, or null"


def backup_dir(value: Any) -> str | None:
    ok = value is None or (isinstance(value, str) and value.startswith("/")
                           and value.rstrip("/") not in ("", "/opt/cht"))
    return None if ok else "an absolute folder such as /var/backups/cht (not / or /opt/cht)"


def every_minutes(value: Any) -> str | None:
    problem = number_of("minutes", 1, 1440)(value)
    if problem or value in EVERY_MINUTES:
        return problem
    return ("minutes that divide an hour or hours that divide a day: "
            f"{', '.join(str(m) for m in EVERY_MINUTES)}")


def cht_version(value: Any) -> str | None:
    """A release of a line cht-install serves (or None: the one medic-os's image names)."""
    if value is None or value == LATEST:
        return None
    found = CHT_VERSION.match(value) if isinstance(value, str) else None
    if found is None:
        return VERSION_EXAMPLES
    if int(found.group(1)) not in CHT_LINES:
        return f"{VERSION_EXAMPLES}: cht-install serves 3.x, 4.x and 5.x"
    return None
