"""Which machine this is: distribution, version, family, architecture, WSL, container, init."""

from __future__ import annotations

import os
import platform as stdlib_platform
from dataclasses import asdict, dataclass
from pathlib import Path

import distro

FAMILIES = {
    "debian": "debian", "ubuntu": "debian", "raspbian": "debian",
    "rhel": "rhel", "fedora": "rhel", "centos": "rhel",
    "suse": "suse", "opensuse": "suse", "sles": "suse",
    "amzn": "amazon",
}
ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "armhf": "armv7l"}
SUPPORTED_ARCHES = ("x86_64", "aarch64")


@dataclass(frozen=True)
class Platform:
    id: str
    version: str
    codename: str
    family: str
    arch: str
    name: str = ""
    like: tuple[str, ...] = ()
    wsl: int = 0  # 0 not WSL, else its version (1 or 2)
    container: bool = False
    privileged: bool = True  # in a container: may it run Docker (CAP_SYS_ADMIN)?
    systemd: bool = False
    system: str = "Linux"
    live: bool = True

    @property
    def deb_arch(self) -> str:
        return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf",
                "ppc64le": "ppc64el"}.get(self.arch, self.arch)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["like"] = list(self.like)
        return data


def family_of(distro_id: str, like: tuple[str, ...]) -> str:
    for candidate in (distro_id, *like):
        if candidate in FAMILIES:
            return FAMILIES[candidate]
    return "unknown"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def wsl_version() -> int:
    """0 outside WSL; 2 for WSL 2 kernels, 1 for WSL 1."""
    release = _read("/proc/sys/kernel/osrelease").lower()
    if "wsl2" in release:
        return 2
    return 1 if "microsoft" in release else 0


CAP_SYS_ADMIN = 21


def has_sys_admin(status: str) -> bool:
    """Whether a /proc/*/status text shows CAP_SYS_ADMIN among the effective capabilities."""
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_SYS_ADMIN & 1)
    return False


CONTAINER_ROOT_FS = ("overlay", "aufs", "fuse-overlayfs", "shiftfs")


def root_fs_type(mountinfo: str) -> str:
    """The file-system type mounted at / in a /proc/*/mountinfo text."""
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/" and " - " in line:
            return line.split(" - ", 1)[1].split()[0]
    return ""


def in_container() -> bool:
    """Podman's marker, a container= variable, container cgroups, or Docker's marker
    on an overlay root (a VM image built from a container keeps /.dockerenv, not overlay)."""
    if os.environ.get("container") or Path("/run/.containerenv").exists():
        return True
    cgroup = _read("/proc/1/cgroup")
    if any(word in cgroup for word in ("docker", "kubepods", "lxc", "containerd")):
        return True
    return Path("/.dockerenv").exists() and (
        root_fs_type(_read("/proc/self/mountinfo")) in CONTAINER_ROOT_FS
    )


def systemd_is_init() -> bool:
    return Path("/run/systemd/system").is_dir()


def detect(os_release: Path | None = None, arch: str | None = None) -> Platform:
    """Describe this machine, or with ``os_release`` a fresh machine of that release."""
    release_file = str(os_release) if os_release else "/etc/os-release"
    if not Path(release_file).exists() and os_release is None:
        release_file = "/usr/lib/os-release"
    info = distro.LinuxDistribution(
        include_lsb=False, include_uname=False, os_release_file=release_file,
        include_oslevel=False,
    )
    distro_id = info.id()
    like = tuple(info.like().split())
    codename = (
        info.os_release_attr("ubuntu_codename")
        or info.os_release_attr("version_codename")
        or info.codename()
    )
    machine = arch or stdlib_platform.machine()
    live = os_release is None
    return Platform(
        id=distro_id,
        version=info.version(best=False) or info.os_release_attr("version_id"),
        codename=codename.lower(),
        family=family_of(distro_id, like),
        arch=ARCH_ALIASES.get(machine, machine),
        name=info.name(pretty=True),
        like=like,
        wsl=wsl_version() if live else 0,
        container=in_container() if live else False,
        privileged=has_sys_admin(_read("/proc/self/status")) if live else True,
        systemd=systemd_is_init() if live else True,
        system=stdlib_platform.system() if live else "Linux",
        live=live,
    )
