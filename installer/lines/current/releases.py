"""CHT's current-line releases: each minor version's end of life (CHT's release table, kept
as data in cht-releases.tsv) and the newest release on CHT's build server (its releases
view, asked the way CHT's admin app asks it)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

TABLE = "cht-releases.tsv"
READ_ON = re.compile(r"read (\d{4}-\d{2}-\d{2})")
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(-[A-Za-z0-9.]+)?$")
# medic/medic-builds-repo ddocs/builds/views/releases: a release's key is
# ["release", namespace, application, major, minor, patch]; CHT's admin app asks it
# newest first (admin/src/js/controllers/upgrade.js), as horticulturalist does.
RELEASES_VIEW = "_design/builds/_view/releases"
RELEASE_ID = re.compile(r"^medic:medic:(\d+)\.(\d+)\.(\d+)$")
# The majors this line serves (a newer major on the build server is not taken unasked).
MAJORS = (4, 5)


@dataclass(frozen=True)
class Minor:
    """One row of CHT's release table."""

    major: int
    minor: int
    released: dt.date
    end_of_life: dt.date | None  # None: "TBA", still supported
    newest_patch: str | None


@dataclass(frozen=True)
class Support:
    """Where one release stands in CHT's release table on a day."""

    version: str
    minor: Minor | None  # None: a minor the table does not list (newer than it was read)
    past: bool

    @property
    def family(self) -> str:
        found = VERSION.match(self.version)
        return f"{found.group(1)}.{found.group(2)}.x" if found else self.version


def _text() -> str:
    # beside this module (installed as files): importlib.resources costs the first frame
    return (Path(__file__).parent / TABLE).read_text(encoding="utf-8")


@functools.cache
def table() -> tuple[Minor, ...]:
    """The table's rows, newest first."""
    rows = []
    for line in _text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        minor, released, end, patch = line.split("\t")
        major_number, minor_number = (int(part) for part in minor.split("."))
        rows.append(Minor(major_number, minor_number, dt.date.fromisoformat(released),
                          None if end == "-" else dt.date.fromisoformat(end),
                          None if patch == "-" else patch))
    return tuple(sorted(rows, key=lambda row: (row.major, row.minor), reverse=True))


@functools.cache
def read_on() -> str:
    """The day the table was read from CHT's documentation (ISO date)."""
    found = READ_ON.search(_text())
    return found.group(1) if found else "unknown"


def support(version: str, today: dt.date | None = None) -> Support | None:
    """Where ``version`` stands today; None when it is not a version number."""
    found = VERSION.match(version)
    if found is None:
        return None
    major, minor = int(found.group(1)), int(found.group(2))
    row = next((r for r in table() if (r.major, r.minor) == (major, minor)), None)
    day = today or dt.date.today()
    past = row is not None and row.end_of_life is not None and day > row.end_of_life
    return Support(version, row, past)


def supported_release(today: dt.date | None = None) -> str:
    """The newest release of the newest minor inside its window (for examples and the way
    out of an end of life)."""
    day = today or dt.date.today()
    for row in table():
        if row.end_of_life is None or day <= row.end_of_life:
            return row.newest_patch or f"{row.major}.{row.minor}.0"
    newest = table()[0]
    return newest.newest_patch or f"{newest.major}.{newest.minor}.0"


def day_words(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def notice(version: str, today: dt.date | None = None) -> tuple[str, str] | None:
    """The line said before the plan for this release, and the words that it is past its
    end of life ("" when it is not); None for a version that is not a number (such as
    "latest", not yet asked)."""
    found = support(version, today)
    if found is None:
        return None
    if found.minor is None:
        return (f"CHT {found.family} is newer than CHT's release table as cht-install read "
                f"it ({read_on()}): taken as supported.", "")
    if found.past and found.minor.end_of_life is not None:
        past = (f"CHT {found.family} is past its end of life (since "
                f"{day_words(found.minor.end_of_life)}, CHT's release table)")
        return (f"Note: {past}: no more fixes, security ones included. cht-install still "
                f"installs and repairs it; CHT {supported_release(today)} is supported.", past)
    until = (f"until {day_words(found.minor.end_of_life)}" if found.minor.end_of_life
             else "its end of life not yet set")
    return (f"CHT {found.family} is supported ({until}, CHT's release table), installed "
            "the way CHT's Docker hosting page documents.", "")


def releases_url(builds_url: str) -> str:
    """The build server's newest release of the majors this line serves (newest first, from
    below the next major down to the first: keys sort by number)."""
    def key(*parts: object) -> str:
        return urllib.parse.quote(json.dumps(list(parts), separators=(",", ":")))

    return (f"{builds_url.rstrip('/')}/{RELEASES_VIEW}?descending=true&limit=1"
            f"&startkey={key('release', 'medic', 'medic', max(MAJORS) + 1)}"
            f"&endkey={key('release', 'medic', 'medic', min(MAJORS))}")


def newest_release(body: bytes) -> str | None:
    """The newest release (no pre-release, a major this line serves) in the view's answer;
    None when it lists none. Every row is read: a mirror that ignores the query still
    gives the right one."""
    try:
        rows = json.loads(body.decode("utf-8")).get("rows", [])
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None
    found = []
    for row in rows if isinstance(rows, list) else []:
        match = RELEASE_ID.match(str(row.get("id", ""))) if isinstance(row, dict) else None
        if match and int(match.group(1)) in MAJORS:
            found.append(tuple(int(part) for part in match.groups()))
    return ".".join(str(part) for part in max(found)) if found else None
