"""A real install on a fresh host: Docker from Debian's packages, the stack, TLS, the proof."""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import stat
from pathlib import Path
from typing import Any

from tests.e2e.conftest import HOSTNAME, REGISTRY, Installed, phone_context

IMAGES = {
    "medic-os": f"{REGISTRY}/medicmobile/medic-os:cht-3.9.0-rc.2",
    "haproxy": f"{REGISTRY}/medicmobile/haproxy:rc-1.17",
}
CERT_IN_CONTAINER = "/srv/settings/medic-core/nginx/private/default.crt"


def served_certificate(port: int = 443) -> bytes:
    context = phone_context()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOSTNAME) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def der_of(pem: str) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem)


def read_in_container(client: Any, name: str, path: str) -> str:
    code, output = client.containers.get(name).exec_run(["cat", path])
    assert code == 0, output
    return str(output.decode())


def test_install_from_scratch_succeeds(fresh_install: Installed) -> None:
    assert fresh_install.first.returncode == 0, fresh_install.first.output
    out = fresh_install.first.output
    assert "Docker engine is installed" in out and "CHT answers over HTTPS" in out
    assert "CHT is installed (" in out and "  Found: " in out


def test_docker_came_from_debians_packages_and_runs(
    fresh_install: Installed, healthy: Path, docker_client: Any
) -> None:
    status = Path("/var/lib/dpkg/status").read_text()
    assert "Package: docker.io\nStatus: install ok installed" in status
    assert "Package: docker-compose\nStatus: install ok installed" in status
    assert docker_client.version()["Version"]
    journal = (fresh_install.root / "var/lib/cht-install/journal.jsonl").read_text()
    applied = [json.loads(line)["step_id"] for line in journal.splitlines()
               if '"StepDone"' in line and '"applied": true' in line]
    assert {"docker.installed", "docker.running"} <= set(applied)
    # docker-compose came in the engine's transaction: compose.available found it working
    assert "compose.available" not in applied
    assert '"step_id": "compose.available"' in journal


def test_images_are_present(healthy: Path, docker_client: Any) -> None:
    for ref in IMAGES.values():
        assert docker_client.images.get(ref).id


def test_pull_reported_real_byte_progress_per_layer(fresh_install: Installed) -> None:
    journal = (fresh_install.root / "var/lib/cht-install/journal.jsonl").read_text()
    first_run = json.loads(journal.splitlines()[0])["run"]
    pulls = [entry for entry in map(json.loads, journal.splitlines())
             if entry["run"] == first_run and entry["event"] == "Progress"
             and entry["step_id"] == "images.pulled"]
    assert pulls, "no pull progress in the journal"
    last = pulls[-1]
    assert last["done"] == last["total"] > 10_000_000  # the medic-os stand-in is ~36 MB
    assert any(name.startswith("medic-os ") and done == total > 0
               for name, done, total in last["parts"])


def test_containers_run_with_restart_always(healthy: Path, docker_client: Any) -> None:
    for name, ref in IMAGES.items():
        container = docker_client.containers.get(name)
        assert container.status == "running"
        assert container.attrs["Config"]["Image"] == ref
        assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] == "always"
    logs = docker_client.containers.get("medic-os").logs().decode()
    assert "Setting up software (100% complete)" in logs


def test_served_certificate_is_the_one_installed(healthy: Path, docker_client: Any) -> None:
    # (healthy: this server root converged again, after earlier tests' other roots)
    in_container = read_in_container(docker_client, "medic-os", CERT_IN_CONTAINER)
    on_host = (healthy / "etc/cht-install/tls/cht.crt").read_text()
    served = served_certificate()
    assert hashlib.sha256(served).digest() == hashlib.sha256(der_of(in_container)).digest()
    assert der_of(in_container) == der_of(on_host)


def test_files_have_the_right_modes(fresh_install: Installed) -> None:
    root = fresh_install.root
    expected = {
        "etc/cht-install/answers.yml": 0o600,
        "etc/cht-install/tls/cht.key": 0o600,
        "etc/cht-install/tls/cht.crt": 0o644,
        "opt/cht/.env": 0o600,
        "opt/cht/docker-compose.yml": 0o644,
        "var/log/cht-install.log": 0o600,
        "var/lib/cht-install/journal.jsonl": 0o600,
    }
    for relative, mode in expected.items():
        info = (root / relative).stat()
        assert stat.S_IMODE(info.st_mode) == mode, relative
        assert info.st_uid == 0, relative


def test_the_password_is_only_in_the_env_file(fresh_install: Installed) -> None:
    root = fresh_install.root
    env = (root / "opt/cht/.env").read_text()
    password = env.split("DOCKER_COUCHDB_ADMIN_PASSWORD=", 1)[1].strip()
    assert len(password) >= 16
    for relative in ("var/log/cht-install.log", "var/lib/cht-install/journal.jsonl",
                     "etc/cht-install/answers.yml", "opt/cht/docker-compose.yml"):
        assert password not in (root / relative).read_text(), relative
    assert password not in fresh_install.first.output


def test_a_second_run_changes_nothing(fresh_install: Installed) -> None:
    second = fresh_install.second
    assert second.returncode == 0, second.output
    assert "nothing was changed" in second.output
    journal = (fresh_install.root / "var/lib/cht-install/journal.jsonl").read_text().splitlines()
    finished = [json.loads(line) for line in journal if '"RunFinished"' in line]
    assert len(finished) >= 2  # (later tests add their runs after these two)
    assert finished[0]["applied"] and finished[1]["applied"] == []


def test_docker_was_started_without_systemd(fresh_install: Installed) -> None:
    log = (fresh_install.root / "var/log/cht-install.log").read_text()
    if Path("/run/systemd/system").is_dir():
        assert "systemctl start docker" in log
    else:
        assert "run: service docker start" in log
        assert "spawn: dockerd" in log or "service docker start -> exit 0" in log
