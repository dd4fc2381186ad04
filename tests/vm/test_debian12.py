"""Debian 12 as a real systemd server (a qemu guest with no Docker): the operator's path
from the README; HTTPS proven from outside; a no-op re-run; doctor healthy; Docker enabled
at boot; the backup and health-check timers listed and each fired once; CHT back after a
reboot and after a power cut, with no cht-install run, its data kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vm.conftest import guest_of
from tests.vm.egress import Egress
from tests.vm.guest import Guest
from tests.vm.helpers import BACK_WITHIN, api_info, doctor, install, not_ok, wait_for_cht

INSTALL = ("--yes --registry 127.0.0.1:5000 --hostname cht.vm.test --accept-warnings "
           "--docker-source distro")
MARKER = "/srv/cht-vm-test-marker"


@pytest.fixture(scope="module")
def server(services: None, egress: Egress, checkout: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    """One Debian 12 guest for the module, CHT 3.x installed on it as the README says."""
    with guest_of("bookworm", "plain", tmp_path_factory.mktemp("bookworm"), egress) as guest:
        out = install(guest, checkout, INSTALL)
        assert "CHT is installed" in out
        yield guest


def test_cht_answers_https_from_outside_and_a_rerun_changes_nothing(server: Guest) -> None:
    info = api_info(server.https_port)
    assert info is not None and info["version"] == "3.9.0", info
    again = server.ssh("sudo cht-install --yes")
    assert "Nothing needed repair" in again.stdout, again.stdout[-1500:]
    report = doctor(server)
    assert report["healthy"] is True, not_ok(report)


def test_docker_is_enabled_at_boot_by_systemd(server: Guest) -> None:
    assert server.ssh("systemctl is-enabled docker").stdout.strip() == "enabled"
    assert server.ssh("cat /proc/1/comm").stdout.strip() == "systemd"


def test_the_backup_and_health_check_timers_run_for_real(server: Guest) -> None:
    server.ssh("sudo cht-install --yes --backup-dir /var/backups/cht --alerts-every 5 "
               "--alerts-webhook http://127.0.0.1:8082/cht-alerts")
    timers = server.ssh("systemctl list-timers --all --no-pager").stdout
    assert "cht-install-backup.timer" in timers and "cht-install-health.timer" in timers
    for unit in ("cht-install-backup.service", "cht-install-health.service"):
        server.ssh(f"sudo systemctl start {unit}", timeout=1200)
        result = server.ssh(f"systemctl show -p Result --value {unit}").stdout.strip()
        journal = server.ssh(f"sudo journalctl -u {unit} --no-pager -n 20", check=False)
        assert result == "success", journal.stdout
    backups = server.ssh("sudo ls /var/backups/cht").stdout.split()
    made = [name for name in backups if name.startswith("cht-backup-")]
    assert made and made[0].endswith(".tar.gz"), backups


def test_cht_comes_back_after_a_reboot_without_cht_install(server: Guest) -> None:
    server.ssh(f"sudo docker exec medic-os sh -c 'echo precious > {MARKER}'")
    took = server.reboot()
    print(f"vm: reboot to SSH in {took:.0f} s")
    back = wait_for_cht(server, "3.9.0")
    print(f"vm: CHT answered HTTPS {back:.0f} s after SSH came back (limit {BACK_WITHIN:.0f} s)")
    assert server.ssh(f"sudo docker exec medic-os cat {MARKER}").stdout.strip() == "precious"


def test_cht_comes_back_after_a_power_cut_while_writing(server: Guest) -> None:
    server.ssh(f"sudo docker exec medic-os sh -c 'echo before-the-cut > {MARKER} && sync'")
    # CHT writing when the power goes: a loop appending to a file in CHT's data volume.
    server.ssh("sudo docker exec -d medic-os sh -c "
               "'while true; do date >> /srv/storage/cht-vm-test-writes; done'")
    server.power_cut()
    took = server.start()
    print(f"vm: boot after the power cut to SSH in {took:.0f} s")
    back = wait_for_cht(server, "3.9.0")
    print(f"vm: CHT answered HTTPS {back:.0f} s after SSH came back")
    kept = server.ssh(f"sudo docker exec medic-os cat {MARKER}").stdout.strip()
    assert kept == "before-the-cut"
    report = doctor(server)
    if not report["healthy"]:  # the cut may break something: the next run must repair it
        print(f"vm: doctor after the cut: {not_ok(report)}")
        server.ssh("sudo cht-install --yes")
        report = doctor(server)
    assert report["healthy"] is True, not_ok(report)
