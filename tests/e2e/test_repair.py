"""Repair = install again: each breakage done for real to a healthy install, named by
doctor, repaired by `cht-install --yes`, and the data in the volume never lost."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import tlsfactory as tf
from tests.e2e.conftest import HOSTNAME, cht_install, doctor, marker_survives, not_ok


def break_and_repair(root: Path, client: Any, breakage: Callable[[], None],
                     named: str) -> dict[str, str]:
    """Break, have doctor name it, repair with --yes, check health and the data marker;
    what doctor found wrong."""
    breakage()
    found = not_ok(doctor(root))
    assert named in found, found
    repaired = cht_install("--yes", "--root", str(root))
    assert repaired.returncode == 0, repaired.output
    assert doctor(root)["healthy"] is True
    marker_survives(client)
    return found


def stop_dockerd() -> None:
    subprocess.run(["pkill", "-x", "dockerd"], check=False)
    for _ in range(100):
        if subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode:
            return
        time.sleep(0.2)
    raise AssertionError("dockerd did not stop")


def test_docker_daemon_stopped(healthy: Path, docker_client: Any) -> None:
    break_and_repair(healthy, docker_client, stop_dockerd, "docker.running")


def test_docker_not_enabled_at_boot(healthy: Path, docker_client: Any) -> None:
    if Path("/run/systemd/system").is_dir():
        pytest.fail("this test breaks the SysV links: run it on a host without systemd")

    def unlink() -> None:
        for link in Path("/etc").glob("rc[2-5].d/S*docker"):
            link.unlink()

    break_and_repair(healthy, docker_client, unlink, "docker.enabled-at-boot")


@pytest.mark.parametrize("breakage", ["stopped", "removed", "wrong image"])
def test_a_cht_container_broken(healthy: Path, docker_client: Any, breakage: str) -> None:
    def breaking() -> None:
        if breakage == "stopped":
            docker_client.containers.get("medic-os").stop(timeout=5)
        elif breakage == "removed":
            docker_client.containers.get("haproxy").remove(force=True)
        else:  # someone ran medic-os by hand from the haproxy image
            old = docker_client.containers.get("medic-os")
            old.remove(force=True)
            docker_client.containers.run(
                "127.0.0.1:5000/medicmobile/haproxy:rc-1.17", name="medic-os", detach=True,
                environment={"HA_PASSWORD": "x", "COUCHDB_HOST": "y"},
                volumes={"medic-data": {"bind": "/srv", "mode": "rw"}})

    break_and_repair(healthy, docker_client, breaking, "cht.running")


def test_an_image_deleted(healthy: Path, docker_client: Any) -> None:
    def delete() -> None:
        docker_client.images.remove("127.0.0.1:5000/medicmobile/haproxy:rc-1.17", force=True)

    break_and_repair(healthy, docker_client, delete, "images.pulled")


def test_compose_file_deleted_or_edited(healthy: Path, docker_client: Any) -> None:
    compose = healthy / "opt/cht/docker-compose.yml"
    original = compose.read_text()
    break_and_repair(healthy, docker_client, compose.unlink, "cht.compose-file")
    assert compose.read_text() == original

    def edit() -> None:
        compose.write_text(original.replace("restart: always", "restart: 'no'"))

    break_and_repair(healthy, docker_client, edit, "cht.compose-file")
    assert compose.read_text() == original
    assert "restart: 'no'" in (healthy / "opt/cht/docker-compose.yml.bak").read_text()


def test_lost_env_is_never_replaced_by_a_new_password(
    healthy: Path, docker_client: Any
) -> None:
    env = healthy / "opt/cht/.env"
    saved = env.read_bytes()
    env.unlink()
    try:
        report = doctor(healthy)
        assert "lost" in not_ok(report)["cht.compose-file"]
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 1
        assert "never invents a new password" in run.output
        assert not env.exists()
    finally:
        env.write_bytes(saved)
        env.chmod(0o600)
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0
    marker_survives(docker_client)


def test_certificate_missing(healthy: Path, docker_client: Any) -> None:
    def remove() -> None:
        shutil.rmtree(healthy / "etc/cht-install/tls")

    break_and_repair(healthy, docker_client, remove, "tls.certificate")


def test_certificate_expired(healthy: Path, docker_client: Any) -> None:
    tls = healthy / "etc/cht-install/tls"

    def expire() -> None:
        old = tf.self_signed(HOSTNAME, not_before=tf.NOW - dt.timedelta(days=400),
                             not_after=tf.NOW - dt.timedelta(days=3))
        (tls / "cht.crt").write_bytes(old.pem)
        (tls / "cht.key").write_bytes(old.key_pem())

    report_before = break_and_repair(healthy, docker_client, expire, "tls.certificate")
    assert "tls.expiry" in report_before
    assert "expired" in report_before["tls.expiry"]


def test_certificate_not_matching_its_key(healthy: Path, docker_client: Any) -> None:
    def swap_key() -> None:
        (healthy / "etc/cht-install/tls/cht.key").write_bytes(tf.self_signed(HOSTNAME).key_pem())

    found = break_and_repair(healthy, docker_client, swap_key, "tls.certificate")
    assert "does not match" in found["tls.certificate"]


def test_nginx_serving_another_certificate(healthy: Path, docker_client: Any) -> None:
    def swap() -> None:
        medic = docker_client.containers.get("medic-os")
        code, _ = medic.exec_run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=intruder",
            "-keyout", "/srv/settings/medic-core/nginx/private/default.key",
            "-out", "/srv/settings/medic-core/nginx/private/default.crt"])
        assert code == 0
        assert medic.exec_run(["/boot/svc-restart", "medic-core", "nginx"])[0] == 0

    break_and_repair(healthy, docker_client, swap, "tls.installed")
