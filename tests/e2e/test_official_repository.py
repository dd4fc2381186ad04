"""Docker from Docker's repository (a local stand-in served on 127.0.0.1, signed with a
throwaway key), through the official-source code path; and a wrongly signed one refused."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer.openpgp import fingerprint
from tests.e2e.conftest import TESTENV, Installed, InstallRun, cht_install

REPO = "http://127.0.0.1:8081"
KEYRING = Path("/etc/apt/keyrings/docker.asc")
SOURCES = Path("/etc/apt/sources.list.d/docker.list")


def good_fingerprint() -> str:
    return Path("/var/lib/cht-testenv/aptrepo/good.fpr").read_text().strip()


def installed(package: str) -> bool:
    status = Path("/var/lib/dpkg/status").read_text()
    return f"Package: {package}\nStatus: install ok installed" in status


def official(root: Path, repo: str) -> InstallRun:
    return cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(root),
                       "--hostname", "cht.official.test", "--accept-warnings",
                       "--docker-source", "official", "--docker-repo-url", repo,
                       "--docker-key-fingerprint", good_fingerprint())


def purge() -> None:
    import subprocess

    subprocess.run([str(TESTENV), "purge-docker"], check=True)
    assert shutil.which("dockerd") is None


@pytest.fixture(scope="module", autouse=True)
def shared_install_back(fresh_install: Installed) -> Iterator[None]:
    """These tests purge Docker, CHT's database with it: afterwards the shared install is
    made again from its own answers and .env (Debian's Docker, its admin password), so
    the modules after this one find a CHT whose password is the one they know."""
    yield
    purge()
    back = cht_install("--yes", "--root", str(fresh_install.root))
    assert back.returncode == 0, back.output


def test_a_repository_signed_by_another_key_stops_before_anything_is_installed(
    live_env: str, tmp_path: Path
) -> None:
    purge()
    run = official(tmp_path, f"{REPO}/bad")
    assert run.returncode == 1, run.output
    assert "FAILED" in run.output and "not Docker's" in run.output
    assert good_fingerprint() in run.output
    assert shutil.which("dockerd") is None
    assert not KEYRING.exists() and not SOURCES.exists()
    assert not installed("docker-ce") and not installed("docker.io")


@pytest.fixture(scope="module")
def official_install(live_env: str, tmp_path_factory: pytest.TempPathFactory) -> InstallRun:
    purge()
    return official(tmp_path_factory.mktemp("official"), f"{REPO}/good")


def test_docker_comes_from_dockers_repository(official_install: InstallRun) -> None:
    assert official_install.returncode == 0, official_install.output
    for package in ("docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
                    "docker-compose-plugin"):
        assert installed(package), package
    assert not installed("docker.io")
    assert SOURCES.read_text() == (
        f"deb [arch=amd64 signed-by={KEYRING}] {REPO}/good/linux/debian bookworm stable\n")
    assert fingerprint(KEYRING.read_bytes()) == good_fingerprint()
    assert KEYRING.stat().st_mode & 0o777 == 0o644


def test_cht_runs_on_it(official_install: InstallRun) -> None:
    assert "CHT answers over HTTPS" in official_install.output
    assert "answers: CHT 3.9.0, with the installed certificate" in official_install.output
