"""Debian 13 as a real server (a qemu guest, Debian's docker.io already on it): CHT 3.x
installed with Debian's own `docker-compose`, which is Compose version 2 there, and an admin
password with $, # and spaces that must reach CouchDB unchanged through the .env; the power
cut while the images are pulled, and the same command typed again after the boot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vm.conftest import guest_of
from tests.vm.egress import Egress
from tests.vm.helpers import JOURNAL, api_info, doctor, install_cut_during, not_ok, signs_in

# A whole install from a bare guest, a power cut in it and the re-run: well past the suite's
# per-test limit on a busy 2-core machine (the first test waits for the module's fixture).
pytestmark = pytest.mark.timeout(1800)

PASSWORD = "cost $5 #2 a day"  # $, # and spaces: compose reads .env; medic-os hands it on


def test_debian_13_runs_cht_3_with_compose_v2_and_a_password_compose_could_mangle(
        services: None, egress: Egress, checkout: Path, tmp_path: Path) -> None:
    with guest_of("trixie", "docker", tmp_path / "trixie", egress) as guest:
        guest.ssh(f"printf 'admin_password: \"%s\"\\n' '{PASSWORD}' > answers.yml")
        pulling = (f"sudo grep -F '\"step_id\": \"images.pulled\"' {JOURNAL} | "
                   "grep -qF '\"event\": \"Progress\"'")
        out = install_cut_during(guest, checkout, "--yes --answers ~/answers.yml --registry "
                                 "127.0.0.1:5000 --hostname cht.vm.test --accept-warnings "
                                 "--docker-source distro", "images.pulled", pulling)
        assert 'ended without finishing during "CHT images are pulled"' in out, out[:1500]
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
