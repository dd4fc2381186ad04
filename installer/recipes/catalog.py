"""Which recipe each platform gets: the support table as data, plus the small functions
that turn a platform and the Docker choice into a Recipe or a Refusal."""

from __future__ import annotations

from dataclasses import dataclass, replace

from installer.answers import DockerChoice
from installer.platform import Platform
from installer.recipes.model import (
    APT,
    DNF,
    YUM,
    ZYPPER,
    Binary,
    Recipe,
    Refusal,
    Repository,
)

DOCKER_DOWNLOADS = "https://download.docker.com"
# Docker's published signing-key fingerprints (docs.docker.com/engine/install/...).
DEB_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
RPM_FINGERPRINT = "060A61C51B558A7F742B77AAC52FEB6B621E9F35"
OFFICIAL_PACKAGES = (
    "docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
    "docker-compose-plugin",
)
# What Docker's guides tell you to uninstall first; cht-install reports, never removes.
APT_CONFLICTS = ("docker.io", "docker-doc", "docker-compose", "docker-compose-v2",
                 "podman-docker", "containerd", "runc")
DNF_CONFLICTS = ("docker", "docker-client", "docker-client-latest", "docker-common",
                 "docker-latest", "docker-latest-logrotate", "docker-logrotate",
                 "docker-engine", "podman-docker")
COMPOSE_VERSION = "v2.29.7"
COMPOSE_RELEASES = "https://github.com/docker/compose/releases/download"
COMPOSE_PLUGIN_PATH = "/usr/local/lib/docker/cli-plugins/docker-compose"
COMPOSE_ARCH = {"x86_64": "x86_64", "aarch64": "aarch64", "armv7l": "armv7"}


@dataclass(frozen=True)
class Release:
    """A release the installer supports: Docker's repository path and suite (apt)."""

    path: str  # linux/<path> in Docker's repository
    suite: str = ""
    arches: tuple[str, ...] = ("x86_64", "aarch64")
    distro_engine: tuple[str, ...] = ()
    distro_compose: tuple[str, ...] = ()


UBUNTU = {
    "focal": Release("ubuntu", "focal", ("x86_64", "aarch64", "armv7l"),
                     ("docker.io",), ("docker-compose",)),
    "jammy": Release("ubuntu", "jammy", ("x86_64", "aarch64", "armv7l"),
                     ("docker.io",), ("docker-compose-v2",)),
    "noble": Release("ubuntu", "noble", ("x86_64", "aarch64", "armv7l"),
                     ("docker.io",), ("docker-compose-v2",)),
}
DEBIAN = {
    "bullseye": Release("debian", "bullseye", ("x86_64", "aarch64", "armv7l"),
                        ("docker.io",), ("docker-compose",)),
    "bookworm": Release("debian", "bookworm", ("x86_64", "aarch64", "armv7l"),
                        ("docker.io",), ("docker-compose",)),
    "trixie": Release("debian", "trixie", ("x86_64", "aarch64", "armv7l"),
                      ("docker.io",), ("docker-compose",)),
}
RASPBIAN = {
    "bullseye": Release("raspbian", "bullseye", ("armv7l",), ("docker.io",), ("docker-compose",)),
    "bookworm": Release("raspbian", "bookworm", ("armv7l",), ("docker.io",), ("docker-compose",)),
}
EOL = {
    "ubuntu": {"trusty": "14.04", "xenial": "16.04", "bionic": "18.04"},
    "debian": {"jessie": "8", "stretch": "9", "buster": "10"},
    "raspbian": {"stretch": "9", "buster": "10"},
}
# RHEL family: Docker's repository path per distribution, and the majors supported.
RPM_PATHS = {"rhel": "rhel", "centos": "centos", "rocky": "centos", "almalinux": "centos",
             "oracle": "centos", "fedora": "fedora"}
RPM_MAJORS = {"rhel": ("8", "9", "10"), "centos": ("9", "10"), "rocky": ("8", "9", "10"),
              "almalinux": ("8", "9", "10"), "oracle": ("8", "9", "10")}
FEDORA_OLDEST = 40
DERIVATIVE_HINT = "derivatives use the release of Ubuntu they are built on (UBUNTU_CODENAME)"
SUPPORTED_HINT = ("Use a supported release: Ubuntu 22.04/24.04 LTS, Debian 12, RHEL/Rocky/"
                  "Alma 9, Amazon Linux 2023 (the README lists them all).")


def _base(choice: DockerChoice) -> str:
    return (choice.repo_url or DOCKER_DOWNLOADS).rstrip("/")


def apt_official(platform: Platform, release: Release, choice: DockerChoice) -> Recipe:
    base = f"{_base(choice)}/linux/{release.path}"
    key = "/etc/apt/keyrings/docker.asc"
    return Recipe(
        name=f"Docker's apt repository ({release.path} {release.suite})",
        manager=APT,
        engine=OFFICIAL_PACKAGES,
        repository=Repository(
            key_url=f"{base}/gpg",
            key_path=key,
            fingerprint=choice.key_fingerprint or DEB_FINGERPRINT,
            entry_path="/etc/apt/sources.list.d/docker.list",
            entry=f"deb [arch={platform.deb_arch} signed-by={key}] {base} {release.suite} stable\n",
        ),
        prepare=(("apt-get", "update"), ("apt-get", "install", "-y", "ca-certificates")),
        conflicts=APT_CONFLICTS,
    )


def apt_distro(platform: Platform, release: Release) -> Recipe:
    return Recipe(
        name=f"{platform.name or platform.id}'s own packages",
        manager=APT, engine=release.distro_engine, compose=release.distro_compose,
    )


def rpm_official(platform: Platform, path: str, choice: DockerChoice) -> Recipe:
    base = f"{_base(choice)}/linux/{path}"
    key = "/etc/pki/rpm-gpg/docker-ce.asc"
    entry = (
        "[docker-ce-stable]\n"
        "name=Docker CE Stable - $basearch\n"
        f"baseurl={base}/$releasever/$basearch/stable\n"
        "enabled=1\n"
        "gpgcheck=1\n"
        f"gpgkey=file://{key}\n"
    )
    if path == "centos" and platform.id != "centos":
        note = f"{platform.name or platform.id} uses Docker's CentOS repository, as Docker advises"
    else:
        note = ""
    return Recipe(
        name=f"Docker's rpm repository ({path})",
        manager=DNF,
        engine=OFFICIAL_PACKAGES,
        repository=Repository(
            key_url=f"{base}/gpg", key_path=key,
            fingerprint=choice.key_fingerprint or RPM_FINGERPRINT,
            entry_path="/etc/yum.repos.d/docker-ce.repo", entry=entry,
            after_key=("rpm", "--import", key),
        ),
        conflicts=DNF_CONFLICTS,
        note=note,
    )


def compose_binary(platform: Platform) -> Binary:
    url = f"{COMPOSE_RELEASES}/{COMPOSE_VERSION}/docker-compose-linux-{COMPOSE_ARCH[platform.arch]}"
    return Binary(url=url, checksum_url=f"{url}.sha256", path=COMPOSE_PLUGIN_PATH)


def _major(version: str) -> str:
    return version.split(".")[0]


def refuse_environment(platform: Platform) -> Refusal | None:
    """Places Docker cannot run whatever the distribution: not Linux, WSL without what
    Docker needs, an unprivileged container."""
    if platform.system == "Darwin":
        return Refusal(
            "this is macOS: CHT's server runs on Linux",
            "Install Docker Desktop for Mac and run CHT with docker compose, or use a Linux "
            "server (a cloud VM with Ubuntu 22.04 is the easiest).",
        )
    if platform.system == "Windows":
        return Refusal(
            "this is Windows: cht-install runs inside Linux",
            "Enable virtualization (Hyper-V) and install WSL 2 with Ubuntu (`wsl --install`), "
            "then run cht-install inside it; or install Docker Desktop with the WSL 2 engine.",
        )
    if platform.wsl == 1:
        return Refusal(
            "this is WSL 1, which cannot run Docker",
            "Convert the distribution to WSL 2 from Windows: `wsl --set-version <name> 2`.",
        )
    if platform.wsl and not platform.systemd:
        return Refusal(
            "this is WSL 2 without systemd, which Docker's service needs",
            "Add `[boot]` and `systemd=true` to /etc/wsl.conf, run `wsl --shutdown` from "
            "Windows, reopen the terminal and run cht-install again.",
        )
    if platform.container and not platform.privileged:
        return Refusal(
            "this is a container without the privileges to run Docker",
            "Run cht-install on the host itself, or start this container with --privileged.",
        )
    return None


def _ubuntu_like(platform: Platform) -> bool:
    return platform.id == "ubuntu" or "ubuntu" in platform.like


# With --allow-unsupported: the release an unknown or old one is treated as, by family.
STAND_INS = {  # family: (id, codename, version)
    "debian": ("debian", "bookworm", "12"),
    "ubuntu": ("ubuntu", "jammy", "22.04"),
    "rhel": ("centos", "", "9"),
}


def resolve(
    platform: Platform, choice: DockerChoice, allow_unsupported: bool = False
) -> Recipe | Refusal:
    """The recipe for this platform and Docker choice, or why there is none.

    With ``allow_unsupported`` an overridable refusal gives the recipe of the nearest
    supported release of the same family instead (the operator's own risk)."""
    found = _resolve(platform, choice)
    if isinstance(found, Refusal) and found.overridable and allow_unsupported:
        family = "ubuntu" if _ubuntu_like(platform) else platform.family
        stand_in = STAND_INS.get(family)
        if stand_in is not None:
            distro_id, codename, version = stand_in
            nearest = _resolve(
                replace(platform, id=distro_id, codename=codename, version=version), choice)
            if isinstance(nearest, Recipe):
                return replace(nearest, note=f"{found.reason}; going on as for "
                               f"{distro_id} {version} (--allow-unsupported)")
    return found


def _resolve(platform: Platform, choice: DockerChoice) -> Recipe | Refusal:
    refusal = refuse_environment(platform)
    if refusal:
        return refusal
    official = choice.source == "official"
    name = platform.name or f"{platform.id} {platform.version}"
    if platform.family == "debian":
        if platform.id == "raspbian":
            table, kind = RASPBIAN, "raspbian"
        elif _ubuntu_like(platform):
            table, kind = UBUNTU, "ubuntu"
        else:
            table, kind = DEBIAN, "debian"
        release = table.get(platform.codename)
        if release is None:
            eol = EOL.get(kind, {}).get(platform.codename)
            what = f"{name} reached its end of life" if eol else f"{name} is not supported"
            hint = f" ({DERIVATIVE_HINT})" if kind == "ubuntu" and platform.id != "ubuntu" else ""
            return Refusal(f"{what}: Docker publishes no packages for it{hint}",
                           "Upgrade to a supported release. " + SUPPORTED_HINT, overridable=True)
        if platform.arch not in release.arches:
            return Refusal(f"Docker has no {platform.arch} packages for {name}",
                           "Use a 64-bit (x86_64 or aarch64) system.")
        return apt_official(platform, release, choice) if official else apt_distro(
            platform, release)
    if platform.id == "amzn":
        return amazon(platform)
    if platform.id in RPM_PATHS:
        return rpm(platform, choice, name)
    if platform.family == "suse":
        return suse(platform)
    return Refusal(f"{name} is not a distribution cht-install knows how to set up",
                   SUPPORTED_HINT, overridable=True)


def rpm(platform: Platform, choice: DockerChoice, name: str) -> Recipe | Refusal:
    major = _major(platform.version)
    if platform.id == "fedora":
        if not major.isdigit() or int(major) < FEDORA_OLDEST:
            return Refusal(f"{name} reached its end of life", "Upgrade Fedora. " + SUPPORTED_HINT,
                           overridable=True)
        if choice.source != "official":
            return Recipe(name="Fedora's own packages", manager=DNF,
                          engine=("moby-engine",), compose=("docker-compose",))
        return rpm_official(platform, "fedora", choice)
    if major not in RPM_MAJORS[platform.id]:
        return Refusal(
            f"{name} is not supported (end of life, or too new for Docker's repository)",
            "Use a supported release. " + SUPPORTED_HINT, overridable=True)
    if choice.source != "official":
        return Refusal(
            f"{name}'s own repositories have no Docker (only podman)",
            "Use Docker's repository: [[docker.source=official]] (the default).")
    return rpm_official(platform, RPM_PATHS[platform.id], choice)


def amazon(platform: Platform) -> Recipe | Refusal:
    if platform.version not in ("2", "2023"):
        return Refusal(f"Amazon Linux {platform.version} is not supported",
                       "Use Amazon Linux 2023.", overridable=True)
    manager = YUM if platform.version == "2" else DNF
    return Recipe(
        name=f"Amazon Linux {platform.version}'s docker package",
        manager=manager, engine=("docker",), compose_binary=compose_binary(platform),
        note="Docker publishes no packages for Amazon Linux: Amazon's own docker package is "
             "used whichever source is chosen, and the compose plugin comes from its "
             "release binary, checked against its published checksum.",
    )


def suse(platform: Platform) -> Recipe:
    if platform.id == "sles":
        major_minor = platform.version.split(".")
        sp = ".".join(major_minor[:2]) if len(major_minor) > 1 else platform.version
        return Recipe(
            name="SUSE's Containers Module", manager=ZYPPER, engine=("docker",),
            prepare=(("SUSEConnect", "-p", f"sle-module-containers/{sp}/{platform.arch}"),),
            compose_binary=compose_binary(platform),
            note="SLES gets Docker from SUSE's Containers Module (Docker's own packages "
                 "for SLES are s390x only); compose comes from its checked release binary.",
        )
    return Recipe(
        name=f"{platform.name or 'openSUSE'}'s own packages", manager=ZYPPER,
        engine=("docker",), compose=("docker-compose",),
        note="openSUSE ships Docker itself; Docker publishes no openSUSE packages.",
    )
