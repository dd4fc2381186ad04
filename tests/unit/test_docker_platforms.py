"""Docker's install recipe for every platform in the README's table, at plan level:
a real os-release file, `cht-install --dry-run --json --os-release FILE [--arch ARCH]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from installer.answers import DockerChoice
from installer.cli import main
from installer.platform import Platform
from installer.recipes import Refusal, resolve

OS_RELEASES = Path(__file__).parent.parent / "data/os-release"
OFFICIAL = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
            "docker-compose-plugin"]
DOCKER = "https://download.docker.com"


def plan(capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str,
         *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["--dry-run", "--json", "--root", str(tmp_path), "--hostname", "cht.example.org",
                 "--os-release", str(OS_RELEASES / release), *extra])
    return code, json.loads(capsys.readouterr().out)


def step(data: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in data["steps"] if s["id"] == step_id)  # type: ignore[no-any-return]


def runs(data: dict[str, Any], step_id: str) -> list[list[str]]:
    return [a["run"] for a in step(data, step_id)["actions"] if "run" in a]


def assert_cht3_arch(code: int, data: dict[str, Any], arch: str) -> None:
    """CHT 3.x's medic-os image exists for x86_64 only: any other processor is refused at
    os.supported, the first step (so before Docker is installed); the Docker recipe for
    that platform is still planned (the current CHT line runs there)."""
    found = step(data, "os.supported")
    if arch == "x86_64":
        assert (code, found["status"]) == (0, "ok")
    else:
        assert (code, found["status"]) == (1, "blocked")
        assert "runs only on 64-bit x86 (x86_64) servers" in found["reason"]
        assert f"this server is {arch}" in found["reason"]
        assert data["steps"][0]["id"] == "os.supported"


APT_CASES = [
    # release,          arch,      path,       suite,      deb arch
    ("ubuntu-22.04",    "aarch64", "ubuntu",   "jammy",    "arm64"),
    ("ubuntu-24.04",    "x86_64",  "ubuntu",   "noble",    "amd64"),
    ("ubuntu-26.04",    "x86_64",  "ubuntu",   "resolute", "amd64"),
    ("ubuntu-26.04",    "aarch64", "ubuntu",   "resolute", "arm64"),
    ("linuxmint-21.3",  "x86_64",  "ubuntu",   "jammy",    "amd64"),
    ("pop-22.04",       "x86_64",  "ubuntu",   "jammy",    "amd64"),
    ("elementary-7.1",  "x86_64",  "ubuntu",   "jammy",    "amd64"),
    ("debian-12",       "x86_64",  "debian",   "bookworm", "amd64"),
    ("debian-12",       "aarch64", "debian",   "bookworm", "arm64"),  # Raspberry Pi OS 64-bit
    ("debian-13",       "x86_64",  "debian",   "trixie",   "amd64"),
]


@pytest.mark.parametrize(("release", "arch", "path", "suite", "deb_arch"), APT_CASES)
def test_apt_platforms_use_dockers_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
    release: str, arch: str, path: str, suite: str, deb_arch: str,
) -> None:
    code, data = plan(capsys, tmp_path, release, "--arch", arch)
    assert_cht3_arch(code, data, arch)
    actions = step(data, "docker.repository")["actions"]
    assert {"fetch": f"{DOCKER}/linux/{path}/gpg", "to": "/etc/apt/keyrings/docker.asc",
            "mode": "0644"} in actions
    entry = next(a for a in actions if a.get("write") == "/etc/apt/sources.list.d/docker.list")
    assert entry["content"] == (
        f"deb [arch={deb_arch} signed-by=/etc/apt/keyrings/docker.asc] "
        f"{DOCKER}/linux/{path} {suite} stable\n")
    assert runs(data, "docker.installed") == [["apt-get", "update"],
                                              ["apt-get", "install", "-y", *OFFICIAL]]


def test_raspberry_pi_os_32_bit_uses_the_raspbian_path_but_cht_images_need_64_bit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data = plan(capsys, tmp_path, "raspbian-12", "--arch", "armv7l")
    assert_cht3_arch(code, data, "armv7l")
    entry = next(a for a in step(data, "docker.repository")["actions"] if "write" in a)
    assert entry["content"] == ("deb [arch=armhf signed-by=/etc/apt/keyrings/docker.asc] "
                                f"{DOCKER}/linux/raspbian bookworm stable\n")


RPM_CASES = [
    ("rhel-8", "rhel"), ("rhel-9", "rhel"), ("centos-stream-9", "centos"),
    ("rocky-8", "centos"), ("rocky-9", "centos"), ("almalinux-9", "centos"),
    ("ol-9", "centos"), ("fedora-43", "fedora"),
]


@pytest.mark.parametrize(("release", "path"), RPM_CASES)
def test_rpm_platforms_use_dockers_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str, path: str
) -> None:
    code, data = plan(capsys, tmp_path, release)
    assert code == 0
    actions = step(data, "docker.repository")["actions"]
    assert {"fetch": f"{DOCKER}/linux/{path}/gpg", "to": "/etc/pki/rpm-gpg/docker-ce.asc",
            "mode": "0644"} in actions
    assert {"run": ["rpm", "--import", "/etc/pki/rpm-gpg/docker-ce.asc"]} in actions
    repo = next(a for a in actions if a.get("write") == "/etc/yum.repos.d/docker-ce.repo")
    assert f"baseurl={DOCKER}/linux/{path}/$releasever/$basearch/stable\n" in repo["content"]
    assert "gpgcheck=1\n" in repo["content"]
    assert "gpgkey=file:///etc/pki/rpm-gpg/docker-ce.asc\n" in repo["content"]
    assert runs(data, "docker.installed") == [["dnf", "install", "-y", *OFFICIAL]]


@pytest.mark.parametrize(("release", "arch", "command"), [
    ("amzn-2", "x86_64", ["yum", "install", "-y", "docker"]),
    ("amzn-2023", "aarch64", ["dnf", "install", "-y", "docker"]),
])
def test_amazon_linux_uses_amazons_docker_and_a_checked_compose_binary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str, arch: str,
    command: list[str],
) -> None:
    code, data = plan(capsys, tmp_path, release, "--arch", arch)
    assert_cht3_arch(code, data, arch)
    assert step(data, "docker.repository")["actions"] == []
    assert runs(data, "docker.installed") == [command]
    url = ("https://github.com/docker/compose/releases/download/v2.29.7/"
           f"docker-compose-linux-{arch}")
    fetches = [a for a in step(data, "compose.available")["actions"] if "fetch" in a]
    plugin = "/usr/local/lib/docker/cli-plugins/docker-compose"
    assert fetches == [
        {"fetch": f"{url}.sha256", "to": f"{plugin}.sha256", "mode": "0644"},
        {"fetch": url, "to": plugin, "mode": "0755"},
    ]


@pytest.mark.parametrize("release", ["opensuse-leap-15.6", "opensuse-tumbleweed"])
def test_opensuse_uses_its_own_packages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str
) -> None:
    code, data = plan(capsys, tmp_path, release)
    assert code == 0
    # compose in the engine's transaction, as one `zypper install docker docker-compose`
    assert runs(data, "docker.installed") == [
        ["zypper", "--non-interactive", "refresh"],
        ["zypper", "--non-interactive", "install", "docker", "docker-compose"]]
    assert runs(data, "compose.available") == []


def test_sles_uses_the_containers_module(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data = plan(capsys, tmp_path, "sles-15.6")
    assert code == 0
    assert runs(data, "docker.repository") == []
    assert runs(data, "docker.installed") == [
        ["SUSEConnect", "-p", "sle-module-containers/15.6/x86_64"],
        ["zypper", "--non-interactive", "refresh"],
        ["zypper", "--non-interactive", "install", "docker"],
    ]
    assert [a["fetch"] for a in step(data, "compose.available")["actions"]][-1].endswith(
        "docker-compose-linux-x86_64")


@pytest.mark.parametrize(("release", "words"), [
    ("ubuntu-18.04", "end of life"),
    ("ubuntu-20.04", "end of life"),
    ("debian-10", "end of life"),
    ("centos-7", "not supported"),
    ("alpine-3.20", "not a distribution"),
])
def test_old_and_unknown_releases_are_refused_with_guidance(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str, words: str
) -> None:
    code, data = plan(capsys, tmp_path, release)
    first = step(data, "os.supported")
    assert code == 1 and first["status"] == "blocked"
    assert words in first["reason"]
    assert "--allow-unsupported" in first["fix"]


def test_allow_unsupported_goes_on_as_the_nearest_release(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data = plan(capsys, tmp_path, "ubuntu-18.04", "--allow-unsupported")
    assert code == 0
    assert step(data, "os.supported")["status"] == "warning"
    entry = next(a for a in step(data, "docker.repository")["actions"] if "write" in a)
    assert " jammy stable" in entry["content"]


@pytest.mark.parametrize(("release", "engine", "compose"), [
    ("debian-12", "docker.io", "docker-compose"),
    ("ubuntu-24.04", "docker.io", "docker-compose-v2"),
    ("ubuntu-26.04", "docker.io", "docker-compose-v2"),
    ("fedora-43", "moby-engine", "docker-compose"),
])
def test_distro_source_uses_the_distributions_packages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, release: str, engine: str, compose: str
) -> None:
    code, data = plan(capsys, tmp_path, release, "--docker-source", "distro")
    assert code == 0
    assert step(data, "docker.repository")["actions"] == []
    refresh = [["apt-get", "update"]] if runs(data, "docker.installed")[0][0] == "apt-get" else []
    assert runs(data, "docker.installed")[:-1] == refresh  # one refresh, one transaction
    assert runs(data, "docker.installed")[-1][-2:] == [engine, compose]
    assert runs(data, "compose.available") == []


def test_rhel_has_no_distribution_docker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, data = plan(capsys, tmp_path, "rhel-9", "--docker-source", "distro")
    assert code == 1
    assert "docker.source: official" in step(data, "os.supported")["fix"]


def test_a_mirror_replaces_download_docker_com(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mirror = "https://mirror.example.org/docker"
    _, data = plan(capsys, tmp_path, "ubuntu-22.04", "--docker-repo-url", mirror)
    actions = step(data, "docker.repository")["actions"]
    assert actions[2]["fetch"] == f"{mirror}/linux/ubuntu/gpg"
    assert f"] {mirror}/linux/ubuntu jammy stable" in actions[3]["content"]


BASE = Platform(id="ubuntu", version="22.04", codename="jammy", family="debian",
                arch="x86_64", systemd=True)


@pytest.mark.parametrize(("changes", "words"), [
    ({"system": "Darwin"}, "Docker Desktop"),
    ({"system": "Windows"}, "WSL 2"),
    ({"wsl": 1}, "wsl --set-version"),
    ({"wsl": 2, "systemd": False}, "systemd=true"),
    ({"container": True, "privileged": False}, "--privileged"),
])
def test_places_docker_cannot_run_are_refused_with_what_to_do(
    changes: dict[str, Any], words: str
) -> None:
    from dataclasses import replace

    found = resolve(replace(BASE, **changes), DockerChoice())
    assert isinstance(found, Refusal)
    assert words in found.fix
    assert not found.overridable


def test_wsl2_with_systemd_and_privileged_containers_are_fine() -> None:
    from dataclasses import replace

    assert not isinstance(resolve(replace(BASE, wsl=2), DockerChoice()), Refusal)
    assert not isinstance(resolve(replace(BASE, container=True), DockerChoice()), Refusal)
