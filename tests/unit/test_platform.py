"""OS detection from real os-release files of the releases in the README's support table."""

from __future__ import annotations

from pathlib import Path

import pytest

from installer.platform import detect

CASES = [
    # file,            id,          version, codename,   family
    ("debian-11",      "debian",    "11",    "bullseye", "debian"),
    ("debian-12",      "debian",    "12",    "bookworm", "debian"),
    ("ubuntu-22.04",   "ubuntu",    "22.04", "jammy",    "debian"),
    ("ubuntu-24.04",   "ubuntu",    "24.04", "noble",    "debian"),
    ("linuxmint-21.3", "linuxmint", "21.3",  "jammy",    "debian"),
    ("rocky-9",        "rocky",     "9.3",   "blue onyx", "rhel"),
]


@pytest.mark.parametrize(("name", "distro_id", "version", "codename", "family"), CASES)
def test_detects_release_from_os_release_file(
    os_release: Path, name: str, distro_id: str, version: str, codename: str, family: str
) -> None:
    platform = detect(os_release / name, arch="x86_64")
    assert (platform.id, platform.version, platform.codename, platform.family) == (
        distro_id, version, codename, family,
    )
    assert platform.live is False


def test_ubuntu_derivative_uses_ubuntu_codename_not_its_own(os_release: Path) -> None:
    mint = detect(os_release / "linuxmint-21.3")
    assert mint.codename == "jammy"
    assert "ubuntu" in mint.like


def test_debian_architecture_names_are_normalised(os_release: Path) -> None:
    assert detect(os_release / "debian-12", arch="arm64").arch == "aarch64"
    assert detect(os_release / "debian-12", arch="aarch64").deb_arch == "arm64"
    assert detect(os_release / "debian-12", arch="amd64").deb_arch == "amd64"


def test_this_machine_is_detected_live() -> None:
    platform = detect()
    assert platform.live is True
    assert platform.id and platform.arch
    assert platform.systemd == Path("/run/systemd/system").is_dir()


def test_root_file_system_type_is_read_from_mountinfo() -> None:
    from installer.platform import root_fs_type

    docker_like = (
        "620 540 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u\n"
        "621 620 0:55 / /proc rw,nosuid - proc proc rw\n"
    )
    vm_like = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    assert root_fs_type(docker_like) == "overlay"
    assert root_fs_type(vm_like) == "ext4"
