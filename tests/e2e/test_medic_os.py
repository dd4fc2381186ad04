"""The real medic-os, through its twin (scripts/standin/medic-os): its boot sequence, CHT
installing itself, CHT's post-setup commands, the admin password, its nginx's TLS settings,
a crash loop; each through the real command on the live install."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509

from tests.e2e.conftest import (
    HOSTNAME,
    PASSWORD_NOTE,
    REGISTRY,
    Installed,
    applied,
    cht_install,
    doctor,
    marker_survives,
    not_ok,
    password_kills_converge,
    phone_context,
    session,
    with_known_password,
)

POSTRUN = "/srv/scripts/horticulturalist/postrun/horticulturalist"
PASSWORD_COPY = "/srv/storage/medic-core/passwd/medic"  # medic-os's postrun/couchdb keeps it
DISABLED = "/srv/system/storage/supervisor/{}/status/persistent/{}.disabled"
VOLUME_DATA = Path("/var/lib/docker/volumes/medic-data/_data")


def in_medic_os(client: Any, *argv: str) -> tuple[int, str]:
    code, out = client.containers.get("medic-os").exec_run(list(argv))
    return int(code), out.decode(errors="replace")


def env_password(root: Path) -> str:
    for line in (root / "opt/cht/.env").read_text().splitlines():
        if line.startswith("DOCKER_COUCHDB_ADMIN_PASSWORD="):
            return line.split("=", 1)[1].strip("'")
    raise AssertionError("no password in .env")


def test_the_install_waited_for_medic_os_then_for_cht_then_ran_chts_own_post_setup(
    fresh_install: Installed, healthy: Path, docker_client: Any
) -> None:
    out = fresh_install.first.output
    assert fresh_install.first.returncode == 0, out
    assert 'medic-os reports "System started successfully"' in out
    assert "CHT installing itself: Warming views" in out  # horticulturalist's own progress
    assert "answers: CHT 3.9.0" in out  # /api/info, through medic-os's nginx
    assert "CHT is installed (" in out and "Now: Services CHT does not need are off." in out
    assert {"cht.complete-install", "cht.unneeded-services"} <= set(
        applied(fresh_install.root, 0)), out
    assert "medic signs in over HTTPS" in out
    assert "nothing was changed" in fresh_install.second.output
    logs = docker_client.containers.get("medic-os").logs().decode(errors="replace")
    assert logs.index("Setting up software (100% complete)") < logs.index(
        "System started successfully")
    assert in_medic_os(docker_client, "test", "-f",
                       "/srv/settings/horticulturalist/.bootstrapped")[0] == 0
    code, script = in_medic_os(docker_client, "cat", POSTRUN)
    assert code == 0 and "--complete-install" in script and "--install=" not in script
    for package, service in (("medic-core", "openssh"), ("medic-rdbms", "postgresql"),
                             ("medic-couch2pg", "medic-couch2pg")):
        assert in_medic_os(docker_client, "test", "-f", DISABLED.format(package, service))[0] == 0


def test_the_served_tls_is_medic_os_nginx_rsa_suites_up_to_tls_1_2(healthy: Path) -> None:
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=HOSTNAME) as tls:
            name, version = tls.cipher()[0], tls.version()  # type: ignore[index]
    assert version == "TLSv1.2" and "-RSA-" in name and name.endswith("-SHA"), name
    modern = ssl.create_default_context()
    modern.check_hostname, modern.verify_mode = False, ssl.CERT_NONE
    modern.minimum_version = ssl.TLSVersion.TLSv1_3
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
            modern.wrap_socket(raw, server_hostname=HOSTNAME)


def test_the_admin_password_in_env_signs_in_as_medic_over_https(healthy: Path) -> None:
    status, body = session(env_password(healthy))
    assert status == 200 and body["userCtx"] == {"name": "medic", "roles": ["_admin"]}
    status, body = session("not-the-password")
    assert status == 401 and body["error"] == "unauthorized"


def test_the_admin_password_changes_in_couchdb_env_and_medic_oss_copy_without_a_restart(
    healthy: Path, docker_client: Any
) -> None:
    old = env_password(healthy)
    started = docker_client.containers.get("medic-os").attrs["State"]["StartedAt"]
    plan = cht_install("password", "--dry-run", "--root", str(healthy))
    assert plan.returncode == 0, plan.output
    assert "/_node/couchdb@127.0.0.1/_config/admins/medic" in plan.output
    assert old not in plan.output and env_password(healthy) == old
    new = "costs $5 #2 a day, 3 times"  # what compose could mangle, as at install
    run = cht_install("password", "--root", str(healthy), given=f"{new}\n")
    assert run.returncode == 0, run.output
    assert new not in run.output and old not in run.output
    assert env_password(healthy) == new
    assert session(new)[0] == 200 and session(old)[0] == 401
    assert in_medic_os(docker_client, "cat", PASSWORD_COPY)[1] == f"{new}\n"
    # medic-os reads the password only at its first start, and no 3.x service signs in as
    # medic: nothing was started again
    assert docker_client.containers.get("medic-os").attrs["State"]["StartedAt"] == started
    assert doctor(healthy)["healthy"] is True
    assert not (healthy / PASSWORD_NOTE).exists()
    password_kills_converge(healthy, env_password)
    back = cht_install("password", "--root", str(healthy), given=f"{old}\n")
    assert back.returncode == 0, back.output
    assert session(old)[0] == 200 and doctor(healthy)["healthy"] is True
    marker_survives(docker_client)


def test_doctor_names_undone_post_setup_openssh_back_and_a_wrong_password(
    healthy: Path, docker_client: Any
) -> None:
    env = healthy / "opt/cht/.env"
    kept = env.read_bytes()
    assert in_medic_os(docker_client, "sed", "-i", "s/--complete-install/--install=3.9.0/",
                       POSTRUN)[0] == 0
    assert in_medic_os(docker_client, "/boot/svc-enable", "medic-core", "openssh")[0] == 0
    env.write_text("DOCKER_COUCHDB_ADMIN_PASSWORD='changed-by-someone'\n")
    try:
        found = not_ok(doctor(healthy))
    finally:
        env.write_bytes(kept)
    assert "would install CHT 3.9.0 again at each restart" in found["cht.complete-install"]
    assert "medic-core/openssh" in found["cht.unneeded-services"]
    assert "does not work" in found["cht.admin-password"]
    repaired = cht_install("--yes", "--root", str(healthy))
    assert repaired.returncode == 0, repaired.output
    changed = applied(healthy)
    assert "cht.complete-install" in changed and "cht.unneeded-services" in changed
    assert repaired.output.count("  Found: ") == len(changed)  # each said in words
    assert doctor(healthy)["healthy"] is True
    marker_survives(docker_client)


def test_a_crash_looping_medic_os_is_named_and_stops_the_install(
    healthy: Path, docker_client: Any
) -> None:
    crash = VOLUME_DATA / "standin/crash"  # the twin's switch: fail at once, every start
    crash.parent.mkdir(exist_ok=True)
    crash.touch()
    try:
        docker_client.containers.get("medic-os").restart(timeout=5)
        time.sleep(5)
        report = doctor(healthy)
        assert report["healthy"] is False
        reason = not_ok(report)["cht.running"]
        assert "medic-os stops as soon as it starts" in reason
        assert "Fatal: Failed to extract required software" in reason
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 1, run.output
        assert 'stopped at "CHT containers are running and set up"' in run.output, run.output
        assert "CHT answers at" not in run.output
    finally:
        shutil.rmtree(crash.parent)
    repaired = cht_install("--yes", "--root", str(healthy))
    assert repaired.returncode == 0, repaired.output
    marker_survives(docker_client)


PASSWORD = "pa$s w#rd $HOME 100%"


@contextmanager
def empty_medic_data(client: Any, healthy: Path) -> Iterator[None]:
    """A first start of medic-os (which sets the medic password then only): the healthy
    install's data set aside meanwhile, then put back and the install converged again."""
    remove_cht_containers(client)  # medic-data stays
    kept = VOLUME_DATA.with_name("_data.kept")
    VOLUME_DATA.rename(kept)
    VOLUME_DATA.mkdir()
    try:
        yield
    finally:
        remove_cht_containers(client)
        shutil.rmtree(VOLUME_DATA)
        kept.rename(VOLUME_DATA)
        back = cht_install("--yes", "--root", str(healthy))
        assert back.returncode == 0, back.output
    marker_survives(client)


def remove_cht_containers(client: Any) -> None:
    for name in ("medic-os", "haproxy"):
        try:
            client.containers.get(name).remove(force=True)
        except Exception:
            pass


def test_a_password_with_dollars_hashes_and_spaces_reaches_couchdb_unchanged(
    healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    """The password given in an answers file, compose v1 reading it from .env, medic-os's
    first-start script handing it to CouchDB: medic signs in with it over HTTPS."""
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump({"hostname": HOSTNAME, "admin_password": PASSWORD,
                                       "registry": REGISTRY, "accept_warnings": True,
                                       "docker": {"source": "distro"}}))
    root = tmp_path / "server"
    with empty_medic_data(docker_client, healthy):
        run = cht_install("--yes", "--answers", str(answers), "--root", str(root))
        assert run.returncode == 0, run.output
        assert "medic signs in over HTTPS" in run.output
        assert PASSWORD not in run.output
        assert PASSWORD not in (root / "var/log/cht-install.log").read_text()
        assert env_password(root) == PASSWORD
        status, body = session(PASSWORD)
        assert status == 200 and body["userCtx"]["name"] == "medic"


def test_a_medic_os_that_picked_its_own_password_is_said_with_what_to_do(
    healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    """CHT's docs: in some shells the password does not reach medic-os, which then sets
    one and prints it once. Here medic-os is first started by hand with an empty one."""
    by_hand = tmp_path / "by-hand"
    by_hand.mkdir()
    (by_hand / ".env").write_text("DOCKER_COUCHDB_ADMIN_PASSWORD=\n")
    with empty_medic_data(docker_client, healthy):
        subprocess.run(["docker-compose", "-p", "cht", "--project-directory", str(by_hand),
                        "-f", str(healthy / "opt/cht/docker-compose.yml"), "up", "-d"],
                       check=True, capture_output=True)
        for _ in range(120):  # until medic-os's first start has set the password
            logs = docker_client.containers.get("medic-os").logs().decode(errors="replace")
            if "New CouchDB Administrative Password" in logs:
                break
            time.sleep(1)
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 1, run.output
        assert "medic-os did not receive it and set another one" in run.output
        assert "docker exec medic-os cat /srv/storage/medic-core/passwd/medic" in run.output
        picked = logs.split("New CouchDB Administrative Password: ")[1].split()[0]
        picked = picked.replace("\x1b[7m", "")
        assert picked not in run.output  # said once by medic-os, never again
        assert not_ok(doctor(healthy))["cht.admin-password"].startswith("the password in")


def test_compose_v1_reads_the_env_line_as_written(fresh_install: Installed, healthy: Path,
                                                  tmp_path: Path) -> None:
    """docker-compose 1.29 (Debian's, installed by the install above) on cht-install's own
    compose file and .env: the password it hands to medic-os is the one written. (It
    expands ${...} even in single quotes: such passwords are refused up front.)"""
    assert shutil.which("docker-compose"), "the install above gives docker-compose"
    shutil.copy(fresh_install.root / "opt/cht/docker-compose.yml", tmp_path)
    for password in (PASSWORD, "a$b$c#d e", "#start$", "100$$ $"):
        (tmp_path / ".env").write_text(
            f"# Written by cht-install\nDOCKER_COUCHDB_ADMIN_PASSWORD='{password}'\n")
        done = subprocess.run(["docker-compose", "config"], cwd=tmp_path, check=True,
                              capture_output=True, text=True)
        config = yaml.safe_load(done.stdout)
        given = config["services"]["medic-os"]["environment"]["DOCKER_COUCHDB_ADMIN_PASSWORD"]
        assert given.replace("$$", "$") == password, done.stdout


def test_a_host_name_in_a_local_script_is_served_in_its_idna_form(
    fresh_install: Installed, healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    root = with_known_password(fresh_install, tmp_path / "server")
    run = cht_install("--yes", "--registry", REGISTRY, "--root", str(root), "--hostname",
                      "cht.exämple.org", "--accept-warnings", "--docker-source", "distro")
    try:
        assert run.returncode == 0, run.output
        assert "https://cht.xn--exmple-cua.org:443/ answers" in run.output
        with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
            with phone_context().wrap_socket(raw, server_hostname="cht.xn--exmple-cua.org") as t:
                der = t.getpeercert(binary_form=True)
        assert der is not None
        names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        assert "cht.xn--exmple-cua.org" in names
    finally:
        back = cht_install("--yes", "--root", str(healthy))
        assert back.returncode == 0, back.output


def test_a_mirrors_image_for_another_processor_is_refused_before_the_pull(
    fresh_install: Installed, healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    """The registry decides: its manifest for this tag says arm64 only (scripts/testenv
    pushes such a copy of medic-os), so the pull pre-flight refuses it on this x86_64 host."""
    root = with_known_password(fresh_install, tmp_path / "server")
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump(
        {"images": {"medic_os": "medicmobile/medic-os:cht-3.9.0-arm64-only"}}))
    run = cht_install("--yes", "--answers", str(answers), "--registry", REGISTRY, "--root",
                      str(root), "--hostname", HOSTNAME, "--accept-warnings",
                      "--docker-source", "distro")
    assert run.returncode == 1, run.output
    assert "is built for linux/arm64 only, and this server is x86_64 (amd64)" in run.output
    assert 'stopped at "CHT images are pulled"' in run.output
    assert not any("arm64-only" in tag for image in docker_client.images.list()
                   for tag in image.tags)
    assert docker_client.containers.get("medic-os").attrs["Config"]["Image"].endswith(
        "cht-3.9.0-rc.2")
