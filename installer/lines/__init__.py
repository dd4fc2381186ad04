"""What every step asks of a CHT line (Line; lines/table.py says which line the answers
choose). Each line is a package of the same shape: facts.py (what CHT's own sources say),
steps.py (its own steps), line.py (its Line), and where it has them, files.py (files
cht-install renders for it) and post_setup.py (steps after CHT answers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from installer.answers import InstallConfig
    from installer.paths import Paths
    from installer.step import Context, Finding, Step

GB = 1000**3
GIB = 1024**3


@dataclass(frozen=True)
class WebServer:
    """Where the line's nginx keeps the certificate, and how it takes a new one."""

    container: str
    certificate: str
    key: str
    reload: tuple[str, ...]
    restart: tuple[str, ...]


@dataclass(frozen=True)
class Floors:
    """One CHT line's minimums (its requirements page): memory and disk in bytes."""

    line: str
    memory: int
    cpus: int
    disk: int


class Line(Protocol):
    """What the steps, doctor, backup and restore ask of a CHT line."""

    id: str  # "3.x" or "current": the answers' and the dry-run JSON's word for it
    name: str
    notice: str  # one line, said before the plan (for the release with_version names)
    end_of_life: bool  # that release is past its end of life
    past_end: str  # "CHT 5.0.x is past its end of life (since ...)"; "" when it is not
    moving_on: str  # what to do about an end of life, in words
    key_types: tuple[str, ...]  # the key types its web server's TLS settings accept
    password_key: str  # the admin password's key in its .env
    image_source: str  # where its images come from when no registry mirror is given
    needs_compose_v2: bool
    main_container: str  # whose image tag is CHT's version, whose log says why it fails
    admin_user: str  # CHT's admin account, which the admin password signs in as
    admin_config: str  # that account's CouchDB admin entry, as a path through CHT's nginx
    couchdb_port: tuple[str, int]  # CouchDB's own container and port, asked past CHT's API
    challenge_root: str  # where its web server serves Let's Encrypt's challenge from
    setting_itself_up: str  # how CHT sets itself up after its first start, in words
    setup_log: str  # beside the main container's log, where that setting up is logged
    setup_timeout: float  # seconds that setting up may take (minutes on a slow link)
    upgrade_refusal: str  # why `cht-install upgrade` does not move it, in words; "" when it does
    upgrade_words: str  # how its releases are upgraded, in words (doctor says it)

    def with_version(self, version: str) -> Line:
        """This line as it stands for one of its releases (its notice and end of life)."""
        ...

    def floors(self, config: InstallConfig) -> Floors: ...

    def arch_refusal(self, arch: str) -> Finding | None:
        """Why this line cannot run on this processor; None when its images exist for it."""
        ...

    def web_server(self) -> WebServer: ...

    def env_file(self, paths: Paths) -> Path:
        """The file that holds the admin password (mode 0600)."""
        ...

    def images_words(self, config: InstallConfig) -> str:
        """Its images, as the welcome screen names them."""
        ...

    def describe(self, config: InstallConfig) -> dict[str, object]:
        """The line, for the dry-run JSON (as line_for gives it: with its release)."""
        ...

    def steps(self) -> list[Step]:
        """Every step of an install of this line, in order."""
        ...

    def images(self, ctx: Context) -> list[tuple[str, str, str]]:
        """(name, the reference to pull, the name compose runs it by) per image."""
        ...

    def data_location(self, ctx: Context) -> tuple[str, Path] | None:
        """(what, host directory) of CHT's data; None when it does not exist (yet)."""
        ...

    def containers(self, ctx: Context) -> list[str]:
        """CHT's containers on this server."""
        ...

    def installing_itself(self, ctx: Context) -> str | None:
        """While CHT is still setting itself up: where it is; else None."""
        ...

    def challenge_location(self, ctx: Context) -> Finding:
        """Whether its web server serves Let's Encrypt's challenge (the step's probe)."""
        ...

    def add_challenge_location(self, ctx: Context) -> None:
        """Make its web server serve the challenge (the step's apply)."""
        ...

    def password_found_elsewhere(self, ctx: Context, password: str, env: Path) -> Finding | None:
        """When the password in .env does not sign in: a reason the line itself knows."""
        ...

    def newer_release_installed(self, ctx: Context) -> str | None:
        """A release newer than the answers' that this server runs (upgraded outside
        cht-install, e.g. from CHT's admin app); None when there is none."""
        ...

    def password_line(self, password: str) -> str:
        """The admin password's line in its .env, as compose reads it unchanged."""
        ...

    def password_copy_kept(self, ctx: Context, password: str) -> bool:
        """Any copy of the admin password CHT keeps besides CouchDB and .env says this one."""
        ...

    def keep_password_copy(self, ctx: Context, password: str) -> None:
        """Make that copy say this password (nothing when the line keeps none)."""
        ...


def env_mode(ctx: Context, path: Path) -> int:
    """A line's .env file's mode; 0 when it is absent (or the plan is for another machine)."""
    try:
        return path.stat().st_mode & 0o777 if ctx.host.live else 0
    except FileNotFoundError:
        return 0


def has_files(ctx: Context, path: Path) -> bool:
    """A directory on this server with something in it (CHT's data, say)."""
    return ctx.host.live and path.is_dir() and any(path.iterdir())


def env_values(text: str | None) -> dict[str, str]:
    """KEY=VALUE lines of a compose .env (comments skipped; one pair of quotes removed)."""
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        if line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def password_in(text: str | None, line: Line) -> str | None:
    """The admin password in the line's .env text; None when it has none."""
    return env_values(text).get(line.password_key) or None
