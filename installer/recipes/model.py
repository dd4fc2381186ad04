"""What a Docker recipe is made of: a package manager, packages, a vendor repository."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PackageManager:
    name: str
    refresh: tuple[str, ...] | None
    install: tuple[str, ...]  # the packages follow
    query: tuple[str, ...]  # one package follows; exit 0 (and ``installed_marker``) = installed
    installed_marker: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def install_command(self, packages: tuple[str, ...] | list[str]) -> list[str]:
        return [*self.install, *packages]

    def query_command(self, package: str) -> list[str]:
        return [*self.query, package]


APT = PackageManager(
    "apt", ("apt-get", "update"), ("apt-get", "install", "-y"),
    ("dpkg-query", "-W", "-f=${Status}"), "install ok installed",
    {"DEBIAN_FRONTEND": "noninteractive"},
)
DNF = PackageManager("dnf", None, ("dnf", "install", "-y"), ("rpm", "-q"))
YUM = PackageManager("yum", None, ("yum", "install", "-y"), ("rpm", "-q"))
ZYPPER = PackageManager(
    "zypper", ("zypper", "--non-interactive", "refresh"),
    ("zypper", "--non-interactive", "install"), ("rpm", "-q"),
)


@dataclass(frozen=True)
class Repository:
    """A vendor repository: its signing key (checked before it is trusted) and its entry."""

    key_url: str
    key_path: str
    fingerprint: str
    entry_path: str
    entry: str
    # Run after the key is in place (e.g. `rpm --import KEY`).
    after_key: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Binary:
    """A release binary, checked against the checksum file published beside it."""

    url: str
    checksum_url: str
    path: str


@dataclass(frozen=True)
class Recipe:
    name: str
    manager: PackageManager
    engine: tuple[str, ...]
    compose: tuple[str, ...] = ()
    repository: Repository | None = None
    # Commands before the repository is added (or before the install when there is none).
    prepare: tuple[tuple[str, ...], ...] = ()
    compose_binary: Binary | None = None
    conflicts: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why cht-install will not install Docker here, and what to do instead."""

    reason: str
    fix: str
    # An expert may go on with --allow-unsupported (never for impossible cases).
    overridable: bool = False
