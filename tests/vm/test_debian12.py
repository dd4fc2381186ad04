"""Debian 12 as a real systemd server (a qemu guest with no Docker): the operator's path from
the README, the command typed again after each power cut in the install; HTTPS proven from
outside; a no-op re-run; doctor healthy, with the "Restarts" and "Power failures"
Considerations done; Docker enabled at boot; the backup and health-check timers listed and
each fired once, and a timer taken off when its answer is removed; a port held by a systemd
service freed with the command cht-install names; CHT back, with no cht-install run and its
data kept, after apt upgrades Docker under it and the server reboots, and after a power cut.
With CHT_VM_TESTS=all also: the power cut while Docker's packages install and again during
the pull; security updates turned on with apt's own timers; Let's Encrypt (pebble) issuing
through the guest's port 80 and its renewal timer's service run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from tests.vm.acme import DIRECTORY, acme_for
from tests.vm.conftest import guest_of
from tests.vm.egress import Egress
from tests.vm.guest import Guest
from tests.vm.helpers import (
    ALL,
    BACK_WITHIN,
    CURRENT,
    CURRENT_LINE,
    HOST,
    PULLING,
    api_info,
    doctor,
    install,
    install_cut_during,
    not_ok,
    only_with_all,
    served_certificate,
    wait_for_cht,
)

# A whole install from a bare guest, a power cut in it and the re-run: well past the suite's
# per-test limit on a busy 2-core machine (the first test waits for the module's fixture).
pytestmark = pytest.mark.timeout(2700)

INSTALL = ("--yes --registry 127.0.0.1:5000 --hostname cht.vm.test --accept-warnings "
           "--docker-source distro")
MARKER = "/srv/cht-vm-test-marker"


# CI keeps the install from bare, HTTPS from outside, Docker at boot and a power cut in
# this guest; the rest of what systemd does for CHT (timers, a port held by a service, apt
# upgrading Docker under CHT) runs with CHT_VM_TESTS=all.
SYSTEMD_EXTRA = "CI's hour keeps the install, HTTPS, Docker at boot and a power cut"

# Where the power is cut in the install (CHT_VM_TESTS=all: CI's hour has no room for the
# boots and bootstraps they add; the end-to-end tests kill the install at every step):
# while dpkg unpacks Docker (dpkg's interrupted install to repair), then while the images
# are pulled.
CUTS = [("docker.installed", "pgrep -x dpkg"), ("images.pulled", PULLING)] if ALL else []


@pytest.fixture(scope="module")
def server(services: None, egress: Egress, checkout: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    """One Debian 12 guest for the module, CHT 3.x installed on it as the README says; the
    power is cut at each of CUTS and the same command typed again after each boot finishes
    the install."""
    with guest_of("bookworm", "plain", tmp_path_factory.mktemp("bookworm"), egress) as guest:
        printed = install_cut_during(guest, checkout, INSTALL, CUTS)
        if CUTS:  # the journal said where each cut run stopped; dpkg's install repaired
            assert 'ended without finishing during "Docker engine is installed"' in (
                printed[0]), printed[0][:1500]
            assert 'ended without finishing during "CHT images are pulled"' in printed[1], (
                printed[1][:1500])
        assert "CHT is installed" in printed[-1]
        assert guest.ssh("sudo dpkg --audit").stdout.strip() == ""
        yield guest


def test_cht_answers_https_from_outside_and_a_rerun_changes_nothing(server: Guest) -> None:
    info = api_info(server.https_port)
    assert info is not None and info["version"] == "3.9.0", info
    again = server.ssh("sudo cht-install --yes")
    assert "Nothing needed repair" in again.stdout, again.stdout[-1500:]
    report = doctor(server)
    assert report["healthy"] is True, not_ok(report)
    considered = {item["topic"]: item for item in report["considerations"]}
    for topic in ("Restarts", "Power failures"):
        assert considered[topic]["status"] == "ok", considered[topic]
    # the guest's disk is ext4 with a journal, read from its own header (dumpe2fs)
    assert "which keeps a journal" in considered["Power failures"]["text"]


def test_docker_is_enabled_at_boot_by_systemd(server: Guest) -> None:
    assert server.ssh("systemctl is-enabled docker").stdout.strip() == "enabled"
    assert server.ssh("cat /proc/1/comm").stdout.strip() == "systemd"


@only_with_all(SYSTEMD_EXTRA)
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


@only_with_all(SYSTEMD_EXTRA)
def test_a_timer_is_taken_off_when_its_answer_is_removed(server: Guest) -> None:
    server.ssh("sudo cht-install --yes --backup-dir ''")
    timers = server.ssh("systemctl list-timers --all --no-pager").stdout
    assert "cht-install-backup.timer" not in timers, timers
    assert "cht-install-health.timer" in timers  # still asked for
    gone = server.ssh("systemctl cat cht-install-backup.timer", check=False)
    assert gone.returncode != 0, gone.stdout


@only_with_all("the end-to-end tests turn them on on this machine")
def test_security_updates_are_turned_on_with_apts_own_timers(server: Guest) -> None:
    server.ssh("sudo cht-install --yes --automatic-updates yes", timeout=1200)
    for timer in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        assert server.ssh(f"systemctl is-enabled {timer}").stdout.strip() == "enabled"
        assert server.ssh(f"systemctl is-active {timer}").stdout.strip() == "active"
    periodic = server.ssh("apt-config dump APT::Periodic").stdout
    assert 'APT::Periodic::Unattended-Upgrade "1";' in periodic, periodic
    report = doctor(server)
    updates = next(c for c in report["checks"] if c["id"] == "os.security-updates")
    assert updates["status"] == "ok", updates


@only_with_all("the end-to-end tests issue and renew with pebble on this machine")
def test_lets_encrypt_is_issued_and_its_renewal_timer_runs_for_real(
        server: Guest, tmp_path: Path) -> None:
    with acme_for(server, tmp_path / "acme") as trust:
        (tmp_path / "trust.pem").write_bytes(trust)
        server.copy(tmp_path / "trust.pem", "acme-trust.pem")
        server.ssh("sudo install -m 644 acme-trust.pem /etc/cht-vm-test-acme.pem")
        # the operator's DNS record for the name (pebble's own DNS says 127.0.0.1, which
        # reaches the guest's port 80 through its forward)
        server.ssh(f"echo '127.0.1.1 {HOST}' | sudo tee -a /etc/hosts")
        try:
            run = server.ssh(f"sudo cht-install --yes --tls-mode letsencrypt --tls-email "
                             f"ops@cht-install.test --acme-directory {DIRECTORY} "
                             "--tls-trust-store /etc/cht-vm-test-acme.pem", timeout=1200)
            assert "chain verified for the name" in run.stdout, run.stdout[-1500:]
            first = x509.load_der_x509_certificate(served_certificate(server.https_port))
            assert "Pebble" in first.issuer.rfc4514_string()
            timers = server.ssh("systemctl list-timers --all --no-pager").stdout
            assert "cht-install-renew.timer" in timers, timers
            # the timer's service, started as the timer starts it: not due, nothing changes
            server.ssh("sudo systemctl start cht-install-renew.service", timeout=1200)
            unit = "cht-install-renew.service"
            result = server.ssh(f"systemctl show -p Result --value {unit}").stdout.strip()
            journal = server.ssh(f"sudo journalctl -u {unit} --no-pager -n 20").stdout
            assert result == "success", journal
            # -a: the power cut before left NUL bytes in the log (ext4 had grown the file
            # but not written it), and grep calls such a file binary and prints no line
            logged = server.ssh("sudo grep -aF 'renew-cert finished' /var/log/cht-install.log"
                                ).stdout.splitlines()
            assert logged and "ok=True applied=[]" in logged[-1], logged
            # forced, the same command orders and installs a new one from the CA
            forced = server.ssh("sudo cht-install renew-cert --force", timeout=1200)
            assert forced.returncode == 0, forced.stdout[-1500:]
            second = x509.load_der_x509_certificate(served_certificate(server.https_port))
            assert second.serial_number != first.serial_number
            assert "Pebble" in second.issuer.rfc4514_string()
        finally:  # the next tests run without this ACME server: back to self-signed
            server.ssh("sudo cht-install --yes --tls-mode self-signed", timeout=1200,
                       check=False)
    timers = server.ssh("systemctl list-timers --all --no-pager").stdout
    assert "cht-install-renew.timer" not in timers, timers


HOLDER = """[Unit]
Description=An old web server left on this machine

[Service]
ExecStart=/usr/bin/python3 -m http.server 443

[Install]
WantedBy=multi-user.target
"""


@only_with_all(SYSTEMD_EXTRA)
def test_a_port_held_by_a_service_is_freed_with_the_command_named(server: Guest) -> None:
    # a web server from before CHT, started by systemd at boot, takes HTTPS's port while
    # medic-os (whose nginx publishes 80 and 443) is stopped
    server.ssh("sudo docker stop medic-os")
    server.ssh(f"printf '%s' '{HOLDER}' | sudo tee /etc/systemd/system/old-web.service")
    server.ssh("sudo systemctl daemon-reload && sudo systemctl enable --now old-web.service")
    try:
        refused = server.ssh("sudo cht-install --yes", check=False)
        assert refused.returncode != 0
        assert "port 443 is used by python3" in refused.stdout, refused.stdout[-1500:]
        named = re.search(r"`(systemctl disable --now [^`]+)`", refused.stdout)
        assert named is not None
        assert named.group(1) == "systemctl disable --now old-web.service"
        server.ssh(f"sudo {named.group(1)}")  # the operator types what cht-install said
        assert server.ssh("systemctl is-enabled old-web.service",
                          check=False).stdout.strip() == "disabled"
        again = server.ssh("sudo cht-install --yes")
        assert "CHT is repaired" in again.stdout, again.stdout[-1500:]
        assert api_info(server.https_port) is not None
    finally:  # the next tests need CHT on its ports, whatever happened here
        server.ssh("sudo systemctl disable --now old-web.service; sudo docker start medic-os",
                   check=False)


UPDATES = Path(os.environ.get("CHT_TESTENV_DIR", "/var/lib/cht-testenv")) / "aptrepo/updates"


@only_with_all(SYSTEMD_EXTRA)
def test_cht_comes_back_after_apt_upgrades_docker_and_a_reboot(server: Guest) -> None:
    server.ssh(f"sudo docker exec medic-os sh -c 'echo precious > {MARKER}'")
    # a newer docker.io arrives as a security update would (the stand-in repository's
    # /updates, signed), and the operator upgrades under the running CHT, then reboots
    server.copy(UPDATES / "linux/debian/gpg", "updates.asc")
    server.ssh("sudo install -m 644 updates.asc /etc/apt/keyrings/cht-updates.asc")
    server.ssh("echo 'deb [signed-by=/etc/apt/keyrings/cht-updates.asc] "
               "http://127.0.0.1:8081/updates/linux/debian bookworm stable' "
               "| sudo tee /etc/apt/sources.list.d/cht-updates.list")
    before = server.ssh("dpkg-query -W -f '${Version}' docker.io").stdout
    # (the guest's apt reaches 127.0.0.1 directly, its archive through the allow-list proxy)
    server.ssh("sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive "
               "apt-get install --only-upgrade -y docker.io", timeout=1200)
    after = server.ssh("dpkg-query -W -f '${Version}' docker.io").stdout
    assert after != before and after.endswith("+cht1"), (before, after)
    took = server.reboot()
    print(f"vm: reboot to SSH in {took:.0f} s")
    back = wait_for_cht(server, "3.9.0")
    print(f"vm: CHT answered HTTPS {back:.0f} s after SSH came back (limit {BACK_WITHIN:.0f} s)")
    assert server.ssh(f"sudo docker exec medic-os cat {MARKER}").stdout.strip() == "precious"
    report = doctor(server)
    assert report["healthy"] is True, not_ok(report)


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


GOOD_FINGERPRINT = Path(os.environ.get("CHT_TESTENV_DIR", "/var/lib/cht-testenv")
                        ) / "aptrepo/good.fpr"


@only_with_all("a second install from a bare guest")
def test_debian_12_runs_the_current_line_with_dockers_own_packages(
        services: None, egress: Egress, checkout: Path, tmp_path: Path) -> None:
    # Debian 12's own compose is v1, which CHT's current line no longer supports: Docker's
    # repository (its stand-in: Debian's engine under Docker's package names, compose v2)
    fingerprint = GOOD_FINGERPRINT.read_text().strip()
    with guest_of("bookworm", "plain", tmp_path / "bookworm", egress) as guest:
        out = install(guest, checkout, "--yes --registry 127.0.0.1:5000 --hostname "
                      "cht.vm.test --accept-warnings --docker-source official "
                      "--docker-repo-url http://127.0.0.1:8081/good --docker-key-fingerprint "
                      f"{fingerprint} {CURRENT_LINE}")
        assert "CHT is installed" in out
        assert guest.ssh("dpkg-query -W -f '${Status}' docker-compose-plugin"
                         ).stdout == "install ok installed"
        info = api_info(guest.https_port)
        assert info is not None and info["version"] == CURRENT, info
        again = guest.ssh("sudo cht-install --yes")
        assert "Nothing needed repair" in again.stdout, again.stdout[-1500:]
        took = guest.reboot()
        back = wait_for_cht(guest, CURRENT)
        print(f"vm: reboot to SSH in {took:.0f} s, CHT {CURRENT} over HTTPS {back:.0f} s later")
        report = doctor(guest)
        assert report["healthy"] is True, not_ok(report)
