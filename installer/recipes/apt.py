"""Docker from apt (Debian, Ubuntu and derivatives): packages and commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from installer.platform import Platform

APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


@dataclass(frozen=True)
class AptRecipe:
    name: str
    engine_packages: tuple[str, ...]
    # Which package brings compose, by release codename; the default otherwise.
    compose_package_by_codename: dict[str, str] = field(default_factory=dict)
    compose_package_default: str = "docker-compose"
    env: dict[str, str] = field(default_factory=lambda: dict(APT_ENV))

    def compose_package(self, platform: Platform) -> str:
        return self.compose_package_by_codename.get(platform.codename, self.compose_package_default)

    def refresh_command(self) -> list[str]:
        return ["apt-get", "update"]

    def install_command(self, packages: tuple[str, ...] | list[str]) -> list[str]:
        return ["apt-get", "install", "-y", *packages]

    def installed_query(self, package: str) -> list[str]:
        return ["dpkg-query", "-W", "-f=${Status}", package]


# The distribution's own packages. Ubuntu 22.04 and later ship compose v2 as
# docker-compose-v2; Debian 13 ships v2 under the old name; older releases ship v1.
DISTRO_APT = AptRecipe(
    name="distro (apt)",
    engine_packages=("docker.io",),
    compose_package_by_codename={
        "jammy": "docker-compose-v2",
        "noble": "docker-compose-v2",
    },
)
