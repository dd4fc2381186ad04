"""Which recipe each platform gets: the support table (releases.tsv) as data, plus the small
functions that turn a platform and the Docker choice into a Recipe or a Refusal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib.resources import files

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
    """One line of releases.tsv: a release the installer supports, and how."""

    path: str  # linux/<path> in Docker's repository
    suite: str = ""  # apt: the codename, Docker's suite
    arches: tuple[str, ...] = ("x86_64", "aarch64")
    distro_engine: tuple[str, ...] = ()
    distro_compose: tuple[str, ...] = ()
    family: str = "apt"  # apt | rpm
    id: str = ""  # os-release ID
    name: str = ""
    version: str = ""  # rpm: the major; "40+": that one and every newer one
    python: str = ""  # scripts/bootstrap's Python there; "" none
    about: str = ""  # that Python; without one, why


RELEASES_FILE = "releases.tsv"
COLUMNS = 11
# The os-release IDs `distro` reports otherwise (Oracle Linux's ID is "ol").
DISTRO_IDS = {"ol": "oracle"}


def _packages(field: str) -> tuple[str, ...]:
    return () if field == "-" else tuple(field.split(","))


def read_releases(text: str) -> tuple[Release, ...]:
    """The releases in a releases.tsv text (comment lines start with #)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != COLUMNS:
            raise ValueError(f"{RELEASES_FILE} line {number}: {len(fields)} columns, "
                             f"not {COLUMNS}")
        family, os_id, name, version, codename, path, arches, engine, compose, python, about \
            = fields
        found.append(Release(
            path=path, suite="" if codename == "-" else codename, arches=tuple(arches.split(",")),
            distro_engine=_packages(engine), distro_compose=_packages(compose), family=family,
            id=DISTRO_IDS.get(os_id, os_id), name=name, version=version,
            python="" if python == "-" else python, about=about))
    return tuple(found)


LISTED = read_releases(
    files("installer.recipes").joinpath(RELEASES_FILE).read_text(encoding="utf-8"))
RELEASES = tuple(r for r in LISTED if r.family != "eol")  # the supported ones


def _apt(os_id: str) -> dict[str, Release]:
    return {r.suite: r for r in RELEASES if r.family == "apt" and r.id == os_id}


UBUNTU = _apt("ubuntu")
DEBIAN = _apt("debian")
RASPBIAN = _apt("raspbian")
# apt releases past their end of life, by kind and codename: why (releases.tsv's eol lines).
EOL: dict[str, dict[str, str]] = {}
for _past in LISTED:
    if _past.family == "eol":
        EOL.setdefault(_past.id, {})[_past.suite] = _past.about
# RHEL family and Fedora, by ID and major: Docker's repository path and the rest.
RPM_RELEASES = {(r.id, r.version): r for r in RELEASES if r.family == "rpm"}
RPM_PATHS = {os_id: r.path for (os_id, _), r in RPM_RELEASES.items()}
FEDORA_OLDEST = int(next(v for (i, v) in RPM_RELEASES if i == "fedora").rstrip("+"))
DERIVATIVE_HINT = "derivatives use the release of Ubuntu they are built on (UBUNTU_CODENAME)"


def supported_list(releases: tuple[Release, ...]) -> str:
    """The releases in words, e.g. `Ubuntu 22.04/24.04, Debian 12, RHEL/Rocky 9/10` (names
    that share their versions are said together, as scripts/bootstrap says them)."""
    versions: dict[str, list[str]] = {}
    for release in releases:
        versions.setdefault(release.name, []).append(release.version)
    names: dict[str, list[str]] = {}
    for name, said in versions.items():
        names.setdefault("/".join(said), []).append(name)
    return ", ".join(f"{'/'.join(named)} {said}" for said, named in names.items())


SUPPORTED_HINT = (f"Supported releases: {supported_list(RELEASES)}, Amazon Linux 2023 "
                  "(the README lists them all).")


def release_for(platform: Platform) -> Release | None:
    """The line of releases.tsv this platform is, if any (derivatives of Ubuntu: the
    Ubuntu release they are built on)."""
    if platform.family == "debian":
        return _apt_table(platform)[0].get(platform.codename)
    major = _major(platform.version)
    if platform.id == "fedora":
        if major.isdigit() and int(major) >= FEDORA_OLDEST:
            return RPM_RELEASES[("fedora", f"{FEDORA_OLDEST}+")]
        return None
    return RPM_RELEASES.get((platform.id, major))


def _apt_table(platform: Platform) -> tuple[dict[str, Release], str]:
    if platform.id == "raspbian":
        return RASPBIAN, "raspbian"
    if _ubuntu_like(platform):
        return UBUNTU, "ubuntu"
    return DEBIAN, "debian"


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
        table, kind = _apt_table(platform)
        release = table.get(platform.codename)
        if release is None:
            eol = EOL.get(kind, {}).get(platform.codename)
            what = (f"{name} reached its end of life ({eol}): it gets no security fixes"
                    if eol else f"{name} is not supported: Docker publishes no packages for it")
            hint = f" ({DERIVATIVE_HINT})" if kind == "ubuntu" and platform.id != "ubuntu" else ""
            return Refusal(f"{what}{hint}",
                           "Upgrade to a supported release. " + SUPPORTED_HINT, overridable=True)
        if platform.arch not in release.arches:
            return _no_arch(platform, name)
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


def _no_arch(platform: Platform, name: str) -> Refusal:
    return Refusal(f"Docker has no {platform.arch} packages for {name}",
                   "Use a 64-bit (x86_64 or aarch64) system.")


def rpm(platform: Platform, choice: DockerChoice, name: str) -> Recipe | Refusal:
    release = release_for(platform)
    if release is None and platform.id == "fedora":
        return Refusal(f"{name} reached its end of life", "Upgrade Fedora. " + SUPPORTED_HINT,
                       overridable=True)
    if release is None:
        return Refusal(
            f"{name} is not supported (end of life, or too new for Docker's repository)",
            "Use a supported release. " + SUPPORTED_HINT, overridable=True)
    if platform.arch not in release.arches:
        return _no_arch(platform, name)
    if choice.source == "official":
        return rpm_official(platform, release.path, choice)
    if release.distro_engine:
        return Recipe(name=f"{release.name}'s own packages", manager=DNF,
                      engine=release.distro_engine, compose=release.distro_compose)
    return Refusal(
        f"{name}'s own repositories have no Docker (only podman)",
        "Use Docker's repository: [[docker.source=official]] (the default).")


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
