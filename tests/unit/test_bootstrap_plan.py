"""scripts/bootstrap at plan level for each OS it supports (the CI host runs it for real):
what it would install, where the environment goes, and a clear refusal elsewhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASES = REPO / "tests/data/os-release"


def bootstrap(release: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts/bootstrap"), "--dry-run", "--os-release",
                           str(RELEASES / release)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("release", ["debian-12", "ubuntu-22.04", "ubuntu-24.04"])
def test_apt_systems_get_python3_venv_then_an_isolated_environment(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "would run: env DEBIAN_FRONTEND=noninteractive apt-get update -q",
        "would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv",
        "would run: /usr/bin/python3 -m venv /opt/cht-install",
        "would run: /opt/cht-install/bin/python -m pip install -q --disable-pip-version-check "
        f"--upgrade {REPO}",
        "would run: ln -sfn /opt/cht-install/bin/cht-install /usr/local/bin/cht-install",
    ]


@pytest.mark.parametrize("release", ["rocky-9", "almalinux-9", "rhel-9"])
def test_rhel_9_family_gets_python_3_11(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "would run: dnf install -y -q python3.11 python3.11-pip"
    assert lines[1] == "would run: /usr/bin/python3.11 -m venv /opt/cht-install"
    assert lines[-1] == ("would run: ln -sfn /opt/cht-install/bin/cht-install "
                         "/usr/local/bin/cht-install")


@pytest.mark.parametrize("release", ["alpine-3.20", "ubuntu-20.04", "centos-7", "rocky-8",
                                     "debian-11", "opensuse-leap-15.6"])
def test_other_systems_are_refused_with_what_is_supported(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 3
    assert done.stdout == ""  # nothing would run
    assert "is not one this bootstrap supports" in done.stderr
    assert "Supported: Ubuntu 22.04 or 24.04, Debian 12, Rocky Linux 9" in done.stderr
