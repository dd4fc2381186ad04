"""The VM tier's shared parts: the tests' services on this machine (registry, stand-ins),
the egress allow-list, the checkout as the README brings it to a server, a guest per test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.vm.egress import Egress, egress_proxy
from tests.vm.guest import REPO, Guest, image


@pytest.fixture(scope="session")
def services() -> None:
    """The registry with the stand-in images, the stand-in apt repository and build server
    (scripts/testenv), on 127.0.0.1, where each guest reaches them."""
    if os.geteuid() != 0:
        pytest.fail("the VM tests build guest disks and run a registry: run them as root")
    subprocess.run([str(REPO / "scripts/testenv"), "up"], check=True)


@pytest.fixture(scope="session")
def egress() -> Iterator[Egress]:
    with egress_proxy() as proxy:
        yield proxy
    print(f"egress: let through {len(proxy.passed)}, refused {sorted(set(proxy.refused))}")


@pytest.fixture(scope="session")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as a tar.gz, as the README's `git archive` makes it (with the working
    tree's changes and new files, so that a change is tested before it is committed)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True).stdout
    present = b"\0".join(name for name in listed.split(b"\0")
                         if name and (REPO / name.decode()).exists())
    archive = tmp_path_factory.mktemp("checkout") / "cht-install.tar.gz"
    subprocess.run(["tar", "--null", "-czf", str(archive), "-T", "-"], cwd=REPO,
                   input=present, check=True)
    return archive


def booted(release: str, flavour: str, work: Path, egress: Egress) -> Guest:
    guest = Guest(image(release, flavour), work, egress.port)
    took = guest.start()
    print(f"vm: {release} ({flavour}) reached SSH in {took:.0f} s")
    guest.trust_this_machines_authorities()
    return guest


@contextmanager
def guest_of(release: str, flavour: str, work: Path, egress: Egress) -> Iterator[Guest]:
    """A booted guest for the block; stopped and its disk deleted after, even on failure."""
    guest = Guest(image(release, flavour), work, egress.port)
    try:
        took = guest.start()
        print(f"vm: {release} ({flavour}) reached SSH in {took:.0f} s")
        guest.trust_this_machines_authorities()
        yield guest
    finally:
        print(guest.console_tail(10))
        guest.stop()
