"""Debian 13 as a real server (qemu guests, Debian's docker.io already on the disk): CHT 3.x
(with CHT_VM_TESTS=all) installed with Debian's own `docker-compose`, which is Compose
version 2 there, and an admin password with $, # and spaces that must reach CouchDB
unchanged through the .env; CHT's current line installed the documented way (compose files
from the build server, the upgrade service starting CHT); each back over HTTPS after a
reboot with no cht-install run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vm.conftest import guest_of
from tests.vm.egress import Egress
from tests.vm.helpers import (
    CURRENT,
    CURRENT_LINE,
    api_info,
    doctor,
    install,
    not_ok,
    only_with_all,
    signs_in,
    wait_for_cht,
)

# A whole install, a re-run and a reboot under software emulation: past the suite's
# per-test limit on a busy 2-core machine.
pytestmark = [pytest.mark.timeout(1800),
              only_with_all("CI boots Debian 12 only; each test here is a whole install more")]

PASSWORD = "cost $5 #2 a day"  # $, # and spaces: compose reads .env; medic-os hands it on


def test_debian_13_runs_cht_3_with_compose_v2_and_a_password_compose_could_mangle(
        services: None, egress: Egress, checkout: Path, tmp_path: Path) -> None:
    with guest_of("trixie", "docker", tmp_path / "trixie", egress) as guest:
        guest.ssh(f"printf 'admin_password: \"%s\"\\n' '{PASSWORD}' > answers.yml")
        out = install(guest, checkout, "--yes --answers ~/answers.yml --registry "
                      "127.0.0.1:5000 --hostname cht.vm.test --accept-warnings "
                      "--docker-source distro")
        assert "CHT is installed" in out
        compose = guest.ssh("docker-compose version --short || sudo docker-compose version "
                            "--short").stdout.strip()
        assert compose.split(".")[0] == "2", compose  # Debian 13's docker-compose: v2
        info = api_info(guest.https_port)
        assert info is not None and info["version"] == "3.9.0", info
        assert signs_in(guest.https_port, PASSWORD)
        assert not signs_in(guest.https_port, "cost")  # what a compose that cut at # gives
        report = doctor(guest)
        assert report["healthy"] is True, not_ok(report)
        took = guest.reboot()
        back = wait_for_cht(guest, "3.9.0")
        print(f"vm: reboot to SSH in {took:.0f} s, CHT 3.x over HTTPS {back:.0f} s later")
        assert signs_in(guest.https_port, PASSWORD)


def test_debian_13_runs_the_current_line_and_it_comes_back_after_a_reboot(
        services: None, egress: Egress, checkout: Path, tmp_path: Path) -> None:
    with guest_of("trixie", "docker", tmp_path / "trixie", egress) as guest:
        out = install(guest, checkout, "--yes --registry 127.0.0.1:5000 --hostname "
                      f"cht.vm.test --accept-warnings --docker-source distro {CURRENT_LINE}")
        assert "CHT is installed" in out
        info = api_info(guest.https_port)
        assert info is not None and info["version"] == CURRENT, info
        running = guest.ssh("sudo docker ps --format '{{.Names}}'").stdout.split()
        assert "upgrade-service-cht-upgrade-service-1" in running, running
        again = guest.ssh("sudo cht-install --yes")
        assert "Nothing needed repair" in again.stdout, again.stdout[-1500:]
        report = doctor(guest)
        assert report["healthy"] is True, not_ok(report)
        took = guest.reboot()
        back = wait_for_cht(guest, CURRENT)
        print(f"vm: reboot to SSH in {took:.0f} s, CHT {CURRENT} over HTTPS {back:.0f} s later")
        report = doctor(guest)
        assert report["healthy"] is True, not_ok(report)
