"""CHT's current line (5.0.2) end to end on a real Docker engine with compose v2 (the
stand-in of Docker's repository): refused beside a 3.x install; a fresh headless install the
documented way (CHT's compose files from the stand-in build server, the upgrade service
starting CHT's services); a no-op re-run; breakage repaired with the data kept; an upgrade
service whose client Docker refuses found and pulled again; lost secrets refused; the
operator's own certificate and Let's Encrypt (pebble) in the cht-ssl volume, proven on the
wire; a fresh install through the TUI."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509

from installer.session import Options, Session
from screens.app import ChtInstallApp
from tests import tlsfactory as tf
from tests.e2e.conftest import (
    PASSWORD_NOTE,
    TESTENV,
    Installed,
    InstallRun,
    applied,
    cht_install,
    doctor,
    not_ok,
    password_kills_converge,
    phone_context,
    renew_while_polling,
    resolving,
    signs_in,
)
from tests.e2e.test_install_tui import drive

HOST = "cht.current.test"
VERSION = "5.0.2"
BUILDS = "http://127.0.0.1:8082/_couch/builds_4"
UPGRADE_COMPOSE = "http://127.0.0.1:8082/cht-upgrade-service/docker-compose.yml"
APT_REPO = "http://127.0.0.1:8081/good"
ACME = "https://127.0.0.1:14000/dir"
PEBBLE_CA = Path("/var/lib/cht-testenv/acme/ca.pem")
# CHT's install page: the containers `docker ps` shows once CHT runs.
CONTAINERS = ("cht-nginx-1", "cht-sentinel-1", "cht-api-1", "cht-couchdb-1", "cht-haproxy-1",
              "cht-nouveau-1", "upgrade-service-cht-upgrade-service-1")


def good_fingerprint() -> str:
    return Path("/var/lib/cht-testenv/aptrepo/good.fpr").read_text().strip()


def answers() -> dict[str, Any]:
    return {"hostname": HOST, "registry": "127.0.0.1:5000", "cht_version": VERSION,
            "builds_url": BUILDS, "upgrade_service_url": UPGRADE_COMPOSE,
            "accept_warnings": True,
            "docker": {"source": "official", "repo_url": APT_REPO,
                       "key_fingerprint": good_fingerprint()}}


def install(root: Path, *extra: str, version: str = VERSION) -> InstallRun:
    return cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(root),
                       "--hostname", HOST, "--accept-warnings", "--cht-version", version,
                       "--builds-url", BUILDS, "--upgrade-service-url", UPGRADE_COMPOSE,
                       "--docker-source", "official", "--docker-repo-url", APT_REPO,
                       "--docker-key-fingerprint", good_fingerprint(), *extra)


def purge() -> None:
    subprocess.run([str(TESTENV), "purge-docker"], check=True)
    assert shutil.which("dockerd") is None


def installed(package: str) -> bool:
    status = Path("/var/lib/dpkg/status").read_text()
    return f"Package: {package}\nStatus: install ok installed" in status


def env_of(root: Path) -> dict[str, str]:
    text = (root / "opt/cht/upgrade-service/.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines()
                if "=" in line and not line.startswith("#"))


def handshake(cadata: str | None = None) -> tuple[x509.Certificate, bytes]:
    """A phone's TLS handshake with CHT on 443 and its /api/info answer."""
    context = phone_context(cadata=cadata) if cadata else phone_context()
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
            tls.sendall(f"GET /api/info HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                        .encode())
            body = b""
            while chunk := tls.recv(65536):
                body += chunk
    assert der is not None
    return x509.load_der_x509_certificate(der), body.split(b"\r\n\r\n", 1)[-1]


def client() -> Any:
    import docker

    return docker.DockerClient(base_url="unix:///var/run/docker.sock", version="auto")


@pytest.fixture(scope="module", autouse=True)
def shared_install_back(fresh_install: Installed) -> Iterator[None]:
    """These tests purge Docker: afterwards the shared 3.x install is made again from its
    own answers and .env, so the modules after this one find it as they expect."""
    yield
    purge()
    back = cht_install("--yes", "--root", str(fresh_install.root))
    assert back.returncode == 0, back.output


def test_the_current_line_is_refused_beside_a_3x_install_and_nothing_changes(
        healthy: Path, docker_client: Any, tmp_path: Path) -> None:
    assert docker_client.volumes.get("medic-data")  # the 3.x site's data
    run = install(tmp_path)
    assert run.returncode == 1, run.output
    assert 'stopped at "No CHT 3.x install holds this server"' in run.output
    assert "this server has CHT 3.x" in run.output and "is a migration" in run.output
    assert docker_client.volumes.get("medic-data")
    assert docker_client.containers.get("medic-os").status == "running"
    assert not installed("docker-ce") and not (tmp_path / "opt/cht").exists()


@pytest.fixture(scope="module")
def current(fresh_install: Installed,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InstallRun, InstallRun]:
    purge()
    root = tmp_path_factory.mktemp("current")
    # latest: the newest release the build server lists (the stand-in lists 4.22.0, 5.0.2
    # and 5.1.0-beta.1), asked once and saved as its number
    first = install(root, version="latest")
    second = cht_install("--yes", "--root", str(root))
    return root, first, second


def test_a_fresh_install_of_cht_5_runs_chts_services_and_answers_over_https(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, first, second = current
    assert first.returncode == 0, first.output
    assert (f"Release: CHT 4.x/5.x (current) {VERSION} (the newest on CHT's build server)"
            in first.output)
    # 5.0.x's end of life (CHT's release table) is said as 3.x's is
    assert "Note: CHT 5.0.x is past its end of life (since 26 May 2026" in first.output
    saved = yaml.safe_load((root / "etc/cht-install/answers.yml").read_text())
    assert saved["cht_version"] == VERSION  # a later run never moves by itself
    assert installed("docker-compose-plugin")  # compose v2, from Docker's repository
    assert second.returncode == 0 and "nothing was changed" in second.output, second.output
    with closing(client()) as docker:
        for name in CONTAINERS:
            assert docker.containers.get(name).status == "running", name
        api = docker.containers.get("cht-api-1")
        assert api.attrs["Config"]["Image"] == f"public.ecr.aws/medic/cht-api:{VERSION}"
        labels = api.attrs["Config"]["Labels"]
        assert labels["com.docker.compose.project"] == "cht"
    served, body = handshake()
    assert json.loads(body) == {"version": VERSION}
    installed_cert = x509.load_pem_x509_certificate(
        (root / "etc/cht-install/tls/cht.crt").read_bytes())
    assert served == installed_cert
    for name in ("cht-core.yml", "cht-couchdb.yml"):
        assert f"cht-{'api' if name == 'cht-core.yml' else 'couchdb'}:{VERSION}" in (
            root / "opt/cht/compose" / name).read_text()


def test_env_has_chts_keys_and_its_secrets_reach_no_log(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, first, _ = current
    path = root / "opt/cht/upgrade-service/.env"
    assert path.stat().st_mode & 0o777 == 0o600
    env = env_of(root)
    assert env["COUCHDB_USER"] == "medic" and env["CHT_COMPOSE_PROJECT_NAME"] == "cht"
    assert env["CHT_COMPOSE_PATH"] == str(root / "opt/cht/compose")
    assert env["COUCHDB_DATA"] == str(root / "opt/cht/couchdb")
    assert env["CERTIFICATE_MODE"] == "SELF_SIGNED" and env["COMMON_NAME"] == HOST
    assert len(env["COUCHDB_UUID"]) == 32
    for secret in (env["COUCHDB_PASSWORD"], env["COUCHDB_SECRET"]):
        assert len(secret) >= 20
        assert secret not in first.output
        for relative in ("var/log/cht-install.log", "var/lib/cht-install/journal.jsonl",
                         "etc/cht-install/answers.yml"):
            assert secret not in (root / relative).read_text(), relative
    # CouchDB took the password: medic signs in with it over HTTPS (the last step).
    assert "medic signs in over HTTPS" in first.output


def test_breakage_is_repaired_and_the_data_and_secrets_stay(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, _, _ = current
    marker = root / "opt/cht/couchdb/cht-install-test-marker"
    marker.write_text("precious")
    before = env_of(root)
    with closing(client()) as docker:
        docker.containers.get("cht-api-1").stop()
        docker.containers.get("cht-couchdb-1").remove(force=True)
        docker.containers.get("cht-sentinel-1").remove(force=True)
        docker.images.remove(f"public.ecr.aws/medic/cht-sentinel:{VERSION}", force=True)
        code, _ = docker.containers.get("cht-nginx-1").exec_run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=someone-else", "-keyout", "/etc/nginx/private/key.pem",
             "-out", "/etc/nginx/private/cert.pem"])
        assert code == 0
    (root / "opt/cht/compose/cht-core.yml").unlink()
    couchdb_yml = root / "opt/cht/compose/cht-couchdb.yml"
    pristine = couchdb_yml.read_text()
    couchdb_yml.write_text(pristine.replace("COUCHDB_LOG_LEVEL:-info", "COUCHDB_LOG_LEVEL:-debug"))
    env_path = root / "opt/cht/upgrade-service/.env"
    env_path.write_text(env_path.read_text().replace("CERTIFICATE_MODE=SELF_SIGNED",
                                                     "CERTIFICATE_MODE=OWN_CERT"))
    run = cht_install("--yes", "--root", str(root))
    assert run.returncode == 0, run.output
    for step in ("cht.compose-file", "images.pulled", "cht.running", "tls.installed"):
        assert step in applied(root), step
    assert couchdb_yml.read_text() == pristine
    assert "debug" in (root / "opt/cht/compose-backup/cht-couchdb.yml").read_text()
    assert not [p.name for p in (root / "opt/cht/compose").iterdir()
                if p.name not in ("cht-core.yml", "cht-couchdb.yml")]
    assert marker.read_text() == "precious"
    assert env_of(root) == before
    with closing(client()) as docker:
        for name in CONTAINERS:
            assert docker.containers.get(name).status == "running", name
        nginx_env = docker.containers.get("cht-nginx-1").attrs["Config"]["Env"]
        assert "CERTIFICATE_MODE=SELF_SIGNED" in nginx_env
    assert json.loads(handshake()[1]) == {"version": VERSION}
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0 and "nothing was changed" in again.output


def test_the_admin_password_changes_in_couchdb_env_and_chts_services_and_kills_converge(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, _, _ = current
    old = env_of(root)["COUCHDB_PASSWORD"]
    plan = cht_install("password", "--dry-run", "--root", str(root))
    assert plan.returncode == 0, plan.output
    assert "/_node/_local/_config/admins/medic" in plan.output and old not in plan.output
    assert env_of(root)["COUCHDB_PASSWORD"] == old and signs_in(old, HOST)  # a plan only
    refused = cht_install("password", "--root", str(root), given="two words\n")
    assert refused.returncode == 2 and "Nothing was changed" in refused.output
    assert signs_in(old, HOST)
    new = "river-stone-grass-lamp-42"
    with closing(client()) as docker:
        api_before = docker.containers.get("cht-api-1").id
    run = cht_install("password", "--root", str(root), given=f"{new}\n")
    assert run.returncode == 0, run.output
    assert "The admin password is changed" in run.output
    assert new not in run.output and old not in run.output
    assert env_of(root)["COUCHDB_PASSWORD"] == new
    assert (root / "opt/cht/upgrade-service/.env").stat().st_mode & 0o777 == 0o600
    assert signs_in(new, HOST) and not signs_in(old, HOST)
    with closing(client()) as docker:  # the services that sign in with it started again
        api = docker.containers.get("cht-api-1")
        assert api.id != api_before
        assert any(e.endswith(f":{new}@haproxy:5984/medic") for e in api.attrs["Config"]["Env"])
    assert json.loads(handshake()[1]) == {"version": VERSION}  # the API signed in with it
    for relative in ("var/log/cht-install.log", "var/lib/cht-install/journal.jsonl"):
        assert new not in (root / relative).read_text(), relative
    assert not (root / PASSWORD_NOTE).exists()
    report = doctor(root)
    assert report["healthy"] is True, not_ok(report)
    same = cht_install("password", "--root", str(root), given=f"{new}\n")
    assert same.returncode == 0 and "nothing was changed" in same.output, same.output
    password_kills_converge(root, lambda r: env_of(r)["COUCHDB_PASSWORD"], HOST)
    assert json.loads(handshake()[1]) == {"version": VERSION}
    report = doctor(root)
    assert report["healthy"] is True, not_ok(report)
    power_cut_after_couchdb_took_it(root)


def power_cut_after_couchdb_took_it(root: Path) -> None:
    """The state a power cut leaves between CouchDB taking a new password and .env getting
    it: the change written down, CouchDB changed (as the step does it), .env old, and CHT's
    API started again (the reboot) with the old one, so CHT answers nothing over HTTPS.
    Running the command again finishes the change."""
    old, new = env_of(root)["COUCHDB_PASSWORD"], "after-the-power-cut-77"
    note = root / PASSWORD_NOTE
    note.write_text(json.dumps({"old": old, "new": new}))
    note.chmod(0o600)
    token = base64.b64encode(f"medic:{old}".encode()).decode()
    put = (f"PUT /_node/_local/_config/admins/medic HTTP/1.1\r\nHost: {HOST}\r\n"
           f"Authorization: Basic {token}\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(json.dumps(new))}\r\nConnection: close\r\n\r\n"
           f"{json.dumps(new)}")
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=HOST) as tls:
            tls.sendall(put.encode())
            assert b" 200 " in tls.recv(65536).split(b"\r\n", 1)[0]
    with closing(client()) as docker:
        docker.containers.get("cht-api-1").restart()
    assert not signs_in(new, HOST) and not signs_in(old, HOST)  # CHT answers nothing
    again = cht_install("password", "--root", str(root), given="ignored\n")
    assert again.returncode == 0, again.output
    assert "signs in to CouchDB itself with the new password" in again.output
    assert env_of(root)["COUCHDB_PASSWORD"] == new and signs_in(new, HOST)
    assert not note.exists() and json.loads(handshake()[1]) == {"version": VERSION}


UPGRADE = "upgrade-service-cht-upgrade-service-1"
UPGRADE_IMAGE = "public.ecr.aws/s5s3h4s7/cht-upgrade-service:latest"
# The stand-in built with a client older than this Docker accepts (scripts/testenv)
OLD_CLIENT = "127.0.0.1:5000/s5s3h4s7/cht-upgrade-service:old-client"


def test_an_upgrade_service_docker_refuses_is_found_then_pulled_again_and_recreated(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, _, _ = current
    with closing(client()) as docker:
        good = docker.images.get(UPGRADE_IMAGE).id
        # the server's upgrade service is the old one, and Docker now refuses its client:
        # it runs again as Docker restarts it after an engine upgrade (same container
        # settings, the old image)
        docker.images.pull(OLD_CLIENT).tag(UPGRADE_IMAGE)
        attrs = docker.containers.get(UPGRADE).attrs
        docker.containers.get(UPGRADE).remove(force=True)
        docker.containers.run(
            UPGRADE_IMAGE, name=UPGRADE, detach=True, labels=attrs["Config"]["Labels"],
            environment=[e for e in attrs["Config"]["Env"] if not e.startswith("PATH=")],
            volumes=[f"{m['Source']}:{m['Destination']}" for m in attrs["Mounts"]],
            network=next(iter(attrs["NetworkSettings"]["Networks"])),
            restart_policy={"Name": "always"})
        for _ in range(60):
            if b"is too old" in docker.containers.get(UPGRADE).logs():
                break
            time.sleep(1)
        assert b"Error while starting containers" in docker.containers.get(UPGRADE).logs()
    report = json.loads(cht_install("doctor", "--json", "--root", str(root)).output)
    running = next(step for step in report["steps"] if step["id"] == "cht.running")
    assert running["status"] == "broken", running
    assert running["reason"].startswith(
        "Docker refuses CHT's upgrade service (client version 1.11 is too old; this Docker "
        "accepts 1.12 or newer)"), running
    assert "docker pull public.ecr.aws/s5s3h4s7/cht-upgrade-service:latest" in running["fix"]
    run = cht_install("--yes", "--root", str(root))
    assert run.returncode == 0, run.output
    assert "cht.running" in applied(root)
    with closing(client()) as docker:
        service = docker.containers.get(UPGRADE)
        assert service.image.id == good  # the registry's newest, not the old one
        assert b"is too old" not in service.logs()
    assert json.loads(handshake()[1]) == {"version": VERSION}
    after = json.loads(cht_install("doctor", "--json", "--root", str(root)).output)
    running = next(step for step in after["steps"] if step["id"] == "cht.running")
    assert running["status"] == "ok", running


def test_a_lost_env_is_refused_while_the_database_exists(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, _, _ = current
    env_path = root / "opt/cht/upgrade-service/.env"
    saved = env_path.read_bytes()
    env_path.unlink()
    try:
        run = cht_install("--yes", "--root", str(root))
        assert run.returncode == 1, run.output
        assert 'stopped at "CHT compose files and secrets are written"' in run.output
        assert "COUCHDB_PASSWORD is missing" in run.output
        assert "never invents new secrets" in run.output
        assert not env_path.exists()
    finally:
        env_path.write_bytes(saved)
        env_path.chmod(0o600)


def test_a_backup_brings_back_couchdb_and_env_once_both_are_lost(
        current: tuple[Path, InstallRun, InstallRun]) -> None:
    root, _, _ = current
    marker = root / "opt/cht/couchdb/cht-install-backup-marker"
    marker.write_text("precious")
    before = env_of(root)
    made = cht_install("backup", "--root", str(root))
    assert made.returncode == 0, made.output
    file = sorted((root / "var/backups/cht").glob("cht-backup-*.tar.gz"))[-1]
    with tarfile.open(file) as archive:
        names = set(archive.getnames())
    # CHT's backup guide: the couchdb directory and upgrade-service/.env
    assert {"data/cht-install-backup-marker", "cht/upgrade-service/.env"} <= names
    with closing(client()) as docker:
        for name in CONTAINERS:
            docker.containers.get(name).stop()
    shutil.rmtree(root / "opt/cht/couchdb")
    (root / "opt/cht/upgrade-service/.env").unlink()
    run = cht_install("restore", str(file), "--root", str(root))
    assert run.returncode == 0, run.output
    assert marker.read_text() == "precious"
    assert env_of(root) == before
    assert json.loads(handshake()[1]) == {"version": VERSION}


def test_own_certificate_goes_into_the_cht_ssl_volume_and_verifies_like_a_phone(
        current: tuple[Path, InstallRun, InstallRun], tmp_path: Path) -> None:
    root, _, _ = current
    ca = tf.root()
    mid = tf.intermediate(ca)
    leaf = tf.leaf(mid, HOST)
    (tmp_path / "cert.pem").write_bytes(leaf.pem + mid.pem)
    (tmp_path / "key.pem").write_bytes(leaf.key_pem())
    (tmp_path / "ca.pem").write_bytes(ca.pem)
    run = cht_install("--yes", "--root", str(root), "--tls-mode", "own",
                      "--tls-certificate", str(tmp_path / "cert.pem"),
                      "--tls-key", str(tmp_path / "key.pem"),
                      "--tls-trust-store", str(tmp_path / "ca.pem"))
    assert run.returncode == 0, run.output
    served, body = handshake(cadata=ca.pem.decode())
    assert served == leaf.cert and json.loads(body) == {"version": VERSION}
    assert env_of(root)["CERTIFICATE_MODE"] == "OWN_CERT"
    with closing(client()) as docker:
        nginx = docker.containers.get("cht-nginx-1")
        assert "CERTIFICATE_MODE=OWN_CERT" in nginx.attrs["Config"]["Env"]
        code, out = nginx.exec_run(["cat", "/etc/nginx/private/cert.pem"])
        assert code == 0 and out.strip() == (leaf.pem + mid.pem).strip()
        volume = next(m for m in nginx.attrs["Mounts"] if m["Destination"].startswith(
            "/etc/nginx/private"))
        assert volume["Name"] == "cht_cht-ssl"


@pytest.fixture
def hosts_entry() -> Iterator[None]:
    with resolving(HOST):
        yield


def test_lets_encrypt_issues_installs_and_renews_without_a_failed_request(
        current: tuple[Path, InstallRun, InstallRun], hosts_entry: None,
        tmp_path: Path) -> None:
    root, _, _ = current
    context = ssl.create_default_context(cafile=str(PEBBLE_CA))
    with urllib.request.urlopen("https://127.0.0.1:15000/roots/0", context=context) as answer:
        trust = PEBBLE_CA.read_bytes() + b"\n" + answer.read()
    (tmp_path / "trust.pem").write_bytes(trust)
    run = cht_install("--yes", "--root", str(root), "--tls-mode", "letsencrypt",
                      "--tls-email", "ops@cht-install.test", "--acme-directory", ACME,
                      "--tls-trust-store", str(tmp_path / "trust.pem"))
    assert run.returncode == 0, run.output
    assert env_of(root)["CERTIFICATE_MODE"] == "AUTO_GENERATE"
    first, _ = handshake(cadata=trust.decode())
    assert "Pebble" in first.issuer.rfc4514_string()

    renew, answered, failures = renew_while_polling(
        root, lambda: handshake(cadata=trust.decode()))
    assert renew.returncode == 0, renew.output
    assert failures == [] and answered > 5
    assert handshake(cadata=trust.decode())[0] != first


def test_3x_is_refused_on_a_server_running_the_current_line(
        current: tuple[Path, InstallRun, InstallRun], tmp_path: Path) -> None:
    run = cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(tmp_path),
                      "--hostname", HOST, "--accept-warnings", "--cht-version", "3.9.0-rc.2")
    assert run.returncode == 1, run.output
    assert 'stopped at "CHT compose file and secrets are written"' in run.output
    assert "runs CHT's current line" in run.output
    assert not (tmp_path / "opt/cht/docker-compose.yml").exists()
    with closing(client()) as docker:
        assert not docker.containers.list(all=True, filters={"name": "medic-os"})
        for name in CONTAINERS:
            assert docker.containers.get(name).status == "running", name


def test_a_fresh_install_through_the_tui(fresh_install: Installed,
                                         current: tuple[Path, InstallRun, InstallRun],
                                         tmp_path: Path) -> None:
    purge()
    session = Session(Options(root=tmp_path, overrides=answers()))
    assert session.config.line == "current"
    seen = asyncio.run(drive(ChtInstallApp(session)))
    assert seen == ["WelcomeScreen", "SystemCheckScreen", "SettingsScreen",
                    "PlanReviewScreen", "InstallScreen", "DoneScreen"]
    assert json.loads(handshake()[1]) == {"version": VERSION}
    again = cht_install("--yes", "--root", str(tmp_path))
    assert again.returncode == 0 and "nothing was changed" in again.output
