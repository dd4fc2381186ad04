"""scripts/bootstrap at plan level for each OS it supports (the CI host runs it for real):
what it would install, where the environment goes, and a clear refusal elsewhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASES = REPO / "tests/data/os-release"
SUPPORTED = ("Supported: Ubuntu 22.04/24.04/26.04, Debian 12/13, Raspberry Pi OS 12, "
             "RHEL/Rocky/Alma/Oracle/CentOS Stream 9/10, Fedora 43+ (and Ubuntu's "
             "derivatives, as their Ubuntu release).")


def bootstrap(release: str, arch: str = "x86_64") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts/bootstrap"), "--dry-run", "--os-release",
                           str(RELEASES / release), "--arch", arch],
                          capture_output=True, text=True, check=False)


APT_PLAN = [
    "would run: env DEBIAN_FRONTEND=noninteractive apt-get update -q",
    "would run: env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv",
    "would run: /usr/bin/python3 -m venv /opt/cht-install",
    "would run: /opt/cht-install/bin/python -m pip install -q --disable-pip-version-check "
    f"--upgrade {REPO}",
    "would run: ln -sfn /opt/cht-install/bin/cht-install /usr/local/bin/cht-install",
]


@pytest.mark.parametrize("release", ["debian-12", "debian-13", "ubuntu-22.04", "ubuntu-24.04",
                                     "ubuntu-26.04", "linuxmint-21.3",
                                     "pop-22.04", "elementary-7.1"])
def test_apt_systems_get_python3_venv_then_an_isolated_environment(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == APT_PLAN


def test_raspberry_pi_os_32_bit_is_planned_on_its_own_processor_only() -> None:
    done = bootstrap("raspbian-12", "armv7l")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == APT_PLAN
    elsewhere = bootstrap("raspbian-12", "x86_64")
    assert elsewhere.returncode == 3 and elsewhere.stdout == ""
    assert ("Raspbian GNU/Linux 12 (bookworm) on x86_64: Docker publishes no x86_64 packages "
            "for it.") in elsewhere.stderr


@pytest.mark.parametrize("release", ["rocky-9", "almalinux-9", "rhel-9", "centos-stream-9",
                                     "ol-9"])
def test_rhel_9_family_gets_python_3_11(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "would run: dnf install -y -q python3.11 python3.11-pip"
    assert lines[1] == "would run: /usr/bin/python3.11 -m venv /opt/cht-install"
    assert lines[-1] == ("would run: ln -sfn /opt/cht-install/bin/cht-install "
                         "/usr/local/bin/cht-install")


def test_fedora_uses_its_own_python() -> None:
    done = bootstrap("fedora-43")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "would run: dnf install -y -q python3 python3-pip",
        "would run: /usr/bin/python3 -m venv /opt/cht-install"]


@pytest.mark.parametrize("release", ["alpine-3.20", "centos-7", "fedora-41",
                                     "opensuse-leap-15.6", "amzn-2023"])
def test_other_systems_are_refused_with_what_is_supported(release: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 3
    assert done.stdout == ""  # nothing would run
    assert "is not one this bootstrap supports" in done.stderr
    assert SUPPORTED in done.stderr


@pytest.mark.parametrize(("release", "reason"), [
    ("debian-11", "Debian GNU/Linux 11 (bullseye) reached its end of life (its long-term "
                  "support ended on 2026-08-31): it gets no security fixes."),
    ("ubuntu-20.04", "Ubuntu 20.04.6 LTS reached its end of life (standard support ended in "
                     "May 2025): it gets no security fixes."),
    ("rocky-8", "Rocky Linux 8.10 (Green Obsidian): its Python 3.6 is older than cht-install "
                "needs (3.10)."),
    ("rhel-8", "Red Hat Enterprise Linux 8.10 (Ootpa): its Python 3.6 is older than "
               "cht-install needs (3.10)."),
])
def test_releases_past_their_end_or_whose_python_is_too_old_are_refused_saying_so(release: str,
                                                                  reason: str) -> None:
    done = bootstrap(release)
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.splitlines()[:2] == [f"bootstrap: {reason}", f"bootstrap: {SUPPORTED}"]
