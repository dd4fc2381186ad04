"""More steps one at a time on a fake server (tests/fakehost.py): Docker's repository and
engine, CHT's files and services on both lines, medic-os's unneeded services, CHT answering
over HTTPS, automatic updates, the hardware check, the scheduled jobs (backup, health check,
certificate renewal) and the self-signed certificate. Each: what it finds on a good and a
broken server, what it changes, and that it then finds the thing done."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from installer.host import CommandResult, HttpsAnswer
from installer.lines import GB, GIB, env_values
from installer.lines.cht3 import facts as cht3
from installer.lines.cht3 import steps as cht3_steps
from installer.lines.cht3.post_setup import UnneededServices
from installer.lines.current import facts as current
from installer.lines.current import steps as current_steps
from installer.openpgp import fingerprint
from installer.password_change import (
    Change,
    ChangeDone,
    ChangeKept,
    CouchdbHasIt,
    EnvHasIt,
    change_or_undo,
    pending_file,
    with_password,
)
from installer.recipes.catalog import OFFICIAL_PACKAGES
from installer.recipes.model import Repository
from installer.step import Context, Status, StepError
from installer.steps import hardware
from installer.steps.acme import TlsRenewal
from installer.steps.care import BackupScheduled, HealthCheckScheduled
from installer.steps.docker import (
    ComposeAvailable,
    DockerInstalled,
    DockerProxy,
    DockerRepository,
    install_packages,
    recipe,
)
from installer.steps.hardware import DiskFacts, HardwareEnough, HardwareFacts
from installer.steps.images import ImagesPulled
from installer.steps.tls import TlsCertificate
from installer.steps.updates import (
    APT_PERIODIC,
    APT_PERIODIC_TEXT,
    APT_PROXY,
    AutomaticUpdates,
    updates_finding,
)
from installer.steps.verify import AnswersHttps
from installer.tls.certinfo import summarize
from tests.fakehost import FakeContainer, FakeHost, context, ran
from tests.tlsfactory import NOW, Issued, intermediate, leaf, root, self_signed

CURRENT = {"cht_version": "5.0.2"}
DPKG_STATUS = ("dpkg-query", "-W", "-f=${Status}")
INSTALLED = "install ok installed"


def said(argv: list[str], out: str = "", code: int = 0) -> CommandResult:
    return CommandResult(tuple(argv), code, out, "")


def then_says(host: FakeHost, prefix: tuple[str, ...],
              out: str) -> Callable[[tuple[str, ...]], None]:
    """An effect: once the command has run, ``prefix`` answers ``out``."""
    def effect(argv: tuple[str, ...]) -> None:
        host.commands[prefix] = said(list(prefix), out)
    return effect


# ---- Docker's repository and engine ---------------------------------------------------

def signing_key(seed: bytes) -> bytes:
    """An armored OpenPGP v4 public-key packet (what a fingerprint is made of)."""
    body = b"\x04\x00\x00\x00\x00\x01\x00\x40" + hashlib.sha256(seed).digest()[:8]
    packet = b"\x99" + len(body).to_bytes(2, "big") + body
    return (b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + base64.b64encode(packet)
            + b"\n-----END PGP PUBLIC KEY BLOCK-----\n")


MIRROR_KEY = signing_key(b"a mirror that re-signs Docker's repository")


def repository(ctx: Context) -> Repository:
    repo = recipe(ctx).repository
    assert repo is not None
    return repo


def test_dockers_repository_is_added_with_the_key_whose_fingerprint_is_given(
        tmp_path: Path) -> None:
    host = FakeHost(commands={("apt-get",): said(["apt-get"])})
    assert DockerRepository().probe(context(host, tmp_path, docker={"source": "distro"})).ok
    ctx = context(host, tmp_path, docker={"key_fingerprint": fingerprint(MIRROR_KEY)})
    repo = repository(ctx)
    found = DockerRepository().probe(ctx)
    assert found.status is Status.NEEDED and repo.key_path in found.reason
    host.downloads[repo.key_url] = MIRROR_KEY
    DockerRepository().apply(ctx)
    assert ran(host) == [("run", "apt-get", "update"),
                         ("run", "apt-get", "install", "-y", "ca-certificates")]
    assert host.files[Path(repo.key_path)] == MIRROR_KEY
    assert host.files[Path(repo.entry_path)] == repo.entry.encode()
    assert DockerRepository().probe(ctx).ok
    host.files[Path(repo.entry_path)] = b"deb https://download.docker.com/linux/debian bookworm\n"
    found = DockerRepository().probe(ctx)
    assert found.status is Status.NEEDED and "does not point at" in found.reason


def test_a_key_other_than_dockers_is_neither_trusted_nor_installed(tmp_path: Path) -> None:
    host = FakeHost(commands={("apt-get",): said(["apt-get"])})
    ctx = context(host, tmp_path)  # Docker's own fingerprint is expected
    repo = repository(ctx)
    host.files[Path(repo.key_path)] = MIRROR_KEY
    found = DockerRepository().probe(ctx)
    assert found.status is Status.BROKEN and "is not Docker's signing key" in found.reason
    host.downloads[repo.key_url] = MIRROR_KEY
    with pytest.raises(StepError) as refused:
        DockerRepository().apply(ctx)
    assert "it is not trusted and nothing was installed" in refused.value.reason
    assert "docker.key_fingerprint" in refused.value.fix
    assert [action for action in host.actions if action[0] == "write"] == []


def test_an_engine_older_than_20_10_is_warned_about(tmp_path: Path) -> None:
    host = FakeHost(commands={("dockerd",): said(["dockerd"], "Docker version 19.03.13\n")})
    found = DockerInstalled().probe(context(host, tmp_path))
    assert found.status is Status.WARNING and "CHT needs 20.10 or newer" in found.reason
    assert "--only-upgrade docker-ce" in found.fix
    host.commands[("dockerd",)] = said(["dockerd"], "Docker version 24.0.7, build afdd53b\n")
    found = DockerInstalled().probe(context(host, tmp_path))
    assert found.ok and "Docker 24.0 is installed" in found.reason


def test_a_clashing_package_is_named_with_the_command_that_removes_it(tmp_path: Path) -> None:
    # (not live: snap's docker is looked for on this machine's own disk)
    host = FakeHost(live=False, commands={(*DPKG_STATUS, "docker.io"): said([], INSTALLED)})
    found = DockerInstalled().probe(context(host, tmp_path))
    assert found.status is Status.BLOCKED and "are installed: docker.io" in found.reason
    assert "`apt-get remove docker.io`" in found.fix
    assert "this OS's own packages" in found.screen_fix
    # with the distribution's Docker, docker.io is what it installs: nothing to refuse
    found = DockerInstalled().probe(context(host, tmp_path, docker={"source": "distro"}))
    assert found.status is Status.NEEDED


def test_the_engine_is_installed_from_dockers_repository(tmp_path: Path) -> None:
    host = FakeHost(live=False, commands={("apt-get",): said(["apt-get"])})
    host.effects[("apt-get", "install")] = then_says(host, ("dockerd",),
                                                     "Docker version 27.3.1, build ce12230\n")
    ctx = context(host, tmp_path)
    found = DockerInstalled().probe(ctx)
    assert found.status is Status.NEEDED and "not installed" in found.reason
    DockerInstalled().apply(ctx)
    assert ran(host) == [("run", "apt-get", "update"),
                         ("run", "apt-get", "install", "-y", *OFFICIAL_PACKAGES)]
    found = DockerInstalled().probe(ctx)
    assert found.ok and "Docker 27.3" in found.reason


def test_the_package_lists_are_refreshed_once_unless_a_source_was_added_between(
        tmp_path: Path) -> None:
    """Docker's repository: a refresh before ca-certificates and one after its entry is
    written; the distribution's packages: one refresh and one transaction with compose."""
    host = FakeHost(commands={("apt-get",): said(["apt-get"])})
    ctx = context(host, tmp_path, docker={"key_fingerprint": fingerprint(MIRROR_KEY)})
    host.downloads[repository(ctx).key_url] = MIRROR_KEY
    DockerRepository().apply(ctx)
    DockerInstalled().apply(ctx)
    assert [a[1:3] for a in ran(host)] == [("apt-get", "update"), ("apt-get", "install"),
                                           ("apt-get", "update"), ("apt-get", "install")]
    host = FakeHost(commands={("apt-get",): said(["apt-get"])})
    host.effects[("apt-get", "install")] = then_says(host, ("docker-compose", "version"),
                                                     "1.29.2\n")
    ctx = context(host, tmp_path, docker={"source": "distro"})
    DockerInstalled().apply(ctx)
    assert ComposeAvailable().probe(ctx).ok
    ComposeAvailable().apply(ctx)  # (a repair would not run it; nothing left to install)
    install_packages(ctx, recipe(ctx), ("unattended-upgrades",), "automatic updates")
    assert ran(host) == [("run", "apt-get", "update"),
                         ("run", "apt-get", "install", "-y", "docker.io", "docker-compose"),
                         ("run", "apt-get", "install", "-y", "unattended-upgrades")]


# ---- CHT 3.x's compose file and containers --------------------------------------------

def test_the_3x_compose_file_and_a_quoted_env_are_written_keeping_the_password(
        tmp_path: Path) -> None:
    host = FakeHost(disk=tmp_path)
    ctx = context(host, tmp_path)
    env, compose = ctx.paths.env_file, ctx.paths.compose_file
    host.write_file(env, "DOCKER_COUCHDB_ADMIN_PASSWORD=kept-pass-123\n", 0o600)  # bare
    host.actions.clear()
    found = cht3_steps.ComposeFiles().probe(ctx)
    assert found.status is Status.NEEDED and "does not exist yet" in found.reason
    cht3_steps.ComposeFiles().apply(ctx)
    assert host.actions == [("write", str(compose), "0o644"), ("write", str(env), "0o600")]
    assert b"image: medicmobile/medic-os:cht-3.9.0-rc.2" in host.files[compose]
    assert b"DOCKER_COUCHDB_ADMIN_PASSWORD='kept-pass-123'\n" in host.files[env]
    assert "kept-pass-123" in host.secrets
    assert cht3_steps.ComposeFiles().probe(ctx).ok


def test_an_edited_3x_compose_file_is_rewritten_with_a_copy_kept(tmp_path: Path) -> None:
    host = FakeHost(disk=tmp_path)
    ctx = context(host, tmp_path)
    cht3_steps.ComposeFiles().apply(ctx)  # a good server
    compose = ctx.paths.compose_file
    edited = host.files[compose].replace(b"restart: always", b"restart: 'no'")
    host.files[compose] = edited
    found = cht3_steps.ComposeFiles().probe(ctx)
    assert found.status is Status.BROKEN and "differs from the saved answers" in found.reason
    host.actions.clear()
    cht3_steps.ComposeFiles().apply(ctx)
    backup = compose.with_suffix(".yml.bak")
    assert host.actions == [("write", str(backup), "0o644"), ("write", str(compose), "0o644")]
    assert host.files[backup] == edited  # .env (the password) left as it was
    assert cht3_steps.ComposeFiles().probe(ctx).ok


def test_a_lost_3x_password_beside_existing_data_is_refused_never_replaced(
        tmp_path: Path) -> None:
    host = FakeHost(disk=tmp_path, volumes={"medic-data": object()})
    ctx = context(host, tmp_path)
    found = cht3_steps.ComposeFiles().probe(ctx)
    assert found.status is Status.BLOCKED
    assert "is lost, and CHT's database already exists" in found.reason
    assert "admin_password" in found.fix and "never invents a new password" in found.fix
    with pytest.raises(StepError, match="is lost"):
        cht3_steps.ComposeFiles().apply(ctx)
    assert host.actions == []


def a_container(name: str, image: str, project: str = "cht", running: bool = True,
                env: tuple[str, ...] = (), log: bytes = b"") -> FakeContainer:
    """A container as Docker describes it (the parts the steps read)."""
    service = name.removeprefix(f"{project}-").removesuffix("-1")
    attrs = {
        "State": {"Running": running, "Status": "running" if running else "exited",
                  "Restarting": False, "StartedAt": "2026-01-05T10:00:00.000000000Z"},
        "Config": {"Image": image, "Env": list(env), "Labels": {
            "com.docker.compose.project": project, "com.docker.compose.service": service}},
        "HostConfig": {"RestartPolicy": {"Name": "always"}},
        "RestartCount": 0,
    }
    return FakeContainer(name, attrs=attrs, log=log)


MEDIC_OS = "medicmobile/medic-os:cht-3.9.0-rc.2"
HAPROXY = "medicmobile/haproxy:rc-1.17"
STARTED = b"[2026/01/05 10:02:00] Info: System started successfully\n"


def test_a_3x_container_running_another_image_is_replaced_through_compose(
        tmp_path: Path) -> None:
    # (not live: whether CHT's ports are taken is asked of this machine itself)
    host = FakeHost(live=False, commands={("docker", "compose"): said(["docker"])})
    ctx = context(host, tmp_path)
    found = cht3_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.NEEDED and "not started yet" in found.reason
    host.containers = {"medic-os": a_container("medic-os", MEDIC_OS, log=STARTED),
                       "haproxy": a_container("haproxy", "medicmobile/haproxy:old")}
    found = cht3_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.BROKEN
    assert f"haproxy runs medicmobile/haproxy:old, not {HAPROXY}" in found.reason

    def up(argv: tuple[str, ...]) -> None:
        host.containers.setdefault("haproxy", a_container("haproxy", HAPROXY))

    host.effects[("docker", "compose")] = up
    cht3_steps.ServicesRunning().apply(ctx)
    assert ("remove", "haproxy") in host.actions and ("remove", "medic-os") not in host.actions
    assert ran(host) == [("run", "docker", "compose", "-p", "cht", "-f",
                          str(ctx.paths.compose_file), "up", "-d")]
    assert cht3_steps.ServicesRunning().probe(ctx).ok


def test_medic_os_still_setting_up_is_waited_for_and_a_crash_loop_is_named(
        tmp_path: Path) -> None:
    medic = a_container("medic-os", MEDIC_OS,
                        log=b"[2026/01/05 10:01:00] Info: Setting up software (40% complete)\n")
    host = FakeHost(live=False, containers={"medic-os": medic,
                                            "haproxy": a_container("haproxy", HAPROXY)})
    ctx = context(host, tmp_path)
    found = cht3_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.NEEDED and "setting up software: 40%" in found.reason
    medic.attrs["State"]["Restarting"] = True
    medic.attrs["RestartCount"] = 7
    medic.log = b"[2026/01/05 10:03:00] Fatal: Not enough memory to start couchdb\n"
    found = cht3_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.BROKEN
    assert "container medic-os stops as soon as it starts" in found.reason
    assert "Fatal: Not enough memory to start couchdb" in found.reason
    assert "`docker logs medic-os`" in found.fix


# ---- medic-os's unneeded services -----------------------------------------------------

def set_up_medic_os(*disabled: tuple[str, str]) -> FakeContainer:
    """medic-os once set up: openssh, postgresql and couch2pg, and which are disabled."""
    files = {f"{cht3.SERVICES_DIR.format(package=package)}/{service}": b""
             for package, service in (("medic-core", "openssh"), ("medic-core", "nginx"),
                                      ("medic-rdbms", "postgresql"),
                                      ("medic-couch2pg", "couch2pg"))}
    files[cht3.BOOTSTRAPPED] = b""
    for package, service in disabled:
        files[cht3.DISABLED_MARK.format(package=package, service=service)] = b""
    return FakeContainer("medic-os", files=files)


def test_medic_os_turns_off_openssh_and_the_sql_services_it_does_not_need(
        tmp_path: Path) -> None:
    host = FakeHost(commands={("/boot/svc-disable",): said([])})
    ctx = context(host, tmp_path)
    found = UnneededServices().probe(ctx)
    assert found.status is Status.NEEDED and "not set up yet" in found.reason
    medic = host.containers["medic-os"] = set_up_medic_os()

    def disable(argv: tuple[str, ...]) -> None:
        medic.files[cht3.DISABLED_MARK.format(package=argv[1], service=argv[2])] = b""

    host.effects[("/boot/svc-disable",)] = disable
    found = UnneededServices().probe(ctx)
    assert found.status is Status.BROKEN and "SSH server inside the container" in found.reason
    UnneededServices().apply(ctx)
    assert ran(host) == [("exec", "medic-os", "/boot/svc-disable", "medic-core", "openssh"),
                         ("exec", "medic-os", "/boot/svc-disable", "medic-rdbms", "postgresql"),
                         ("exec", "medic-os", "/boot/svc-disable", "medic-couch2pg",
                          "couch2pg")]
    assert UnneededServices().probe(ctx).ok


def test_a_disabled_service_is_not_named_again_and_a_failure_says_what_to_run(
        tmp_path: Path) -> None:
    medic = set_up_medic_os(("medic-core", "openssh"), ("medic-couch2pg", "couch2pg"))
    host = FakeHost(containers={"medic-os": medic},
                    commands={("/boot/svc-disable",): said([], "no such service", 1)})
    ctx = context(host, tmp_path)
    found = UnneededServices().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == "medic-rdbms/postgresql still enabled in medic-os"
    with pytest.raises(StepError) as failed:
        UnneededServices().apply(ctx)
    assert "could not disable medic-rdbms/postgresql: no such service" in failed.value.reason
    assert "`docker exec medic-os /boot/svc-disable medic-rdbms postgresql`" in failed.value.fix
    assert ran(host) == [("exec", "medic-os", "/boot/svc-disable", "medic-rdbms", "postgresql")]


# ---- CHT answers over HTTPS -----------------------------------------------------------

def installed_certificate(ctx: Context, host: FakeHost) -> bytes:
    """A certificate installed for nginx; returns it as a TLS client sees it (DER)."""
    issued = self_signed("cht.example.org")
    host.files[ctx.paths.certificate] = issued.pem
    host.files[ctx.paths.private_key] = issued.key_pem()
    return issued.cert.public_bytes(serialization.Encoding.DER)


def test_nginx_is_restarted_until_cht_answers_with_the_installed_certificate(
        tmp_path: Path) -> None:
    medic = FakeContainer("medic-os", files={cht3.BOOTSTRAPPED: b""})
    host = FakeHost(containers={"medic-os": medic},
                    commands={("/boot/svc-restart",): said([])})
    ctx = context(host, tmp_path)
    served = installed_certificate(ctx, host)
    found = AnswersHttps().probe(ctx)
    assert found.status is Status.NEEDED and "nothing answers HTTPS on port 443" in found.reason
    answers = [HttpsAnswer(served, 502)]
    host.https = lambda path, auth: answers[-1]
    found = AnswersHttps().probe(ctx)
    assert found.status is Status.BROKEN and "answered 502, not CHT's version" in found.reason
    assert "`docker logs medic-os`" in found.fix
    host.effects[("/boot/svc-restart",)] = lambda argv: answers.append(
        HttpsAnswer(served, 200, body=b'{"version": "3.9.0"}'))
    AnswersHttps().apply(ctx)
    assert ran(host) == [("exec", "medic-os", "/boot/svc-restart", "medic-core", "nginx")]
    found = AnswersHttps().probe(ctx)
    assert found.ok and "CHT 3.9.0, with the installed certificate" in found.reason
    other = self_signed("cht.example.org").cert.public_bytes(serialization.Encoding.DER)
    answers.append(HttpsAnswer(other, 200, body=b'{"version": "3.9.0"}'))
    found = AnswersHttps().probe(ctx)
    assert found.status is Status.BROKEN and "other than the installed one" in found.reason


def test_an_old_certificate_still_served_after_a_reload_is_waited_for_not_restarted(
        tmp_path: Path) -> None:
    # nginx's old workers serve the old certificate until they finish what they hold
    # (seen in CI: a renewal that restarted nginx here cut six requests)
    medic = FakeContainer("medic-os", files={cht3.BOOTSTRAPPED: b""})
    host = FakeHost(containers={"medic-os": medic},
                    commands={("/boot/svc-restart",): said([])})
    ctx = context(host, tmp_path)
    installed = installed_certificate(ctx, host)
    old = self_signed("cht.example.org").cert.public_bytes(serialization.Encoding.DER)
    served = [HttpsAnswer(old, 200, body=b'{"version": "3.9.0"}'),
              HttpsAnswer(installed, 200, body=b'{"version": "3.9.0"}')]
    host.https = lambda path, auth: served.pop(0) if len(served) > 1 else served[0]
    AnswersHttps().apply(ctx)
    assert ran(host) == []
    assert AnswersHttps().probe(ctx).ok
    # still the old one once the grace is over: nginx is restarted
    served[:] = [HttpsAnswer(old, 200, body=b'{"version": "3.9.0"}')]
    host.effects[("/boot/svc-restart",)] = lambda argv: served.insert(
        0, HttpsAnswer(installed, 200, body=b'{"version": "3.9.0"}'))
    AnswersHttps().apply(ctx)
    assert ran(host) == [("exec", "medic-os", "/boot/svc-restart", "medic-core", "nginx")]


def test_while_cht_installs_itself_nginx_is_left_alone_and_the_wait_says_where(
        tmp_path: Path) -> None:
    log = (b"2026-01-05T10:05:00.000Z horti:stage Warming views\n"
           b"2026-01-05T10:06:00.000Z horti:debug _design/medic:staged: [|||30%|||____]\n")
    host = FakeHost(containers={"medic-os": FakeContainer("medic-os",
                                                          files={cht3.HORTI_LOG: log})})
    ctx = context(host, tmp_path)
    served = installed_certificate(ctx, host)
    host.https = lambda path, auth: HttpsAnswer(served, 502)
    found = AnswersHttps().probe(ctx)
    assert found.status is Status.NEEDED and "CHT is still installing itself" in found.reason
    assert found.reason.endswith("last step: Warming views (30%)")
    with pytest.raises(StepError) as waited:
        AnswersHttps().apply(ctx)
    assert "was still installing itself after" in waited.value.reason
    assert "(Warming views (30%))" in waited.value.reason
    assert ran(host) == []  # nginx is not restarted under a CHT that is installing


# ---- CHT's current line: its files and services ---------------------------------------

def release_files(version: str) -> dict[str, bytes]:
    """CHT's two compose files of one release (the services and images the steps read)."""
    image = "public.ecr.aws/medic/cht-{}:" + version
    return {
        "cht-core.yml": (f"services:\n  api:\n    image: {image.format('api')}\n"
                         f"  nginx:\n    image: {image.format('nginx')}\n").encode(),
        "cht-couchdb.yml": f"services:\n  couchdb:\n    image: {image.format('couchdb')}\n"
                           .encode(),
    }


UPGRADE_COMPOSE = (f"services:\n  {current.UPGRADE_SERVICE}:\n"
                   f"    image: {current.UPGRADE_SERVICE_IMAGE}\n").encode()


def serving_chts_files(tmp_path: Path) -> FakeHost:
    """A server from which CHT 5.0.2's and the upgrade service's compose files download."""
    host = FakeHost(disk=tmp_path, commands={("install",): said(["install"])})
    for name, data in release_files("5.0.2").items():
        host.downloads[current.compose_url(current.BUILDS_URL, "5.0.2", name)] = data
    host.downloads[current.UPGRADE_SERVICE_URL] = UPGRADE_COMPOSE
    return host


def test_the_current_lines_files_are_fetched_and_their_secrets_made_once(
        tmp_path: Path) -> None:
    host = serving_chts_files(tmp_path)
    ctx = context(host, tmp_path, **CURRENT)
    compose = ctx.paths.cht_dir / current.COMPOSE_DIR
    found = current_steps.ComposeFiles().probe(ctx)
    assert found.status is Status.NEEDED
    assert f"cht-core.yml and cht-couchdb.yml are not in {compose}" in found.reason
    current_steps.ComposeFiles().apply(ctx)
    assert host.files[compose / "cht-core.yml"] == release_files("5.0.2")["cht-core.yml"]
    env = env_values(host.read_text(ctx.line.env_file(ctx.paths)))
    assert env["CHT_COMPOSE_PATH"] == str(compose) and env["COUCHDB_USER"] == "medic"
    assert {env["COUCHDB_PASSWORD"], env["COUCHDB_SECRET"]} <= host.secrets
    assert current_steps.ComposeFiles().probe(ctx).ok
    host.actions.clear()
    current_steps.ComposeFiles().apply(ctx)  # again: nothing fetched, nothing rewritten
    assert [action for action in host.actions if action[0] in ("fetch", "write")] == []


def test_an_env_that_lost_its_secrets_before_there_is_data_gets_them_again(
        tmp_path: Path) -> None:
    host = serving_chts_files(tmp_path)
    ctx = context(host, tmp_path, **CURRENT)
    current_steps.ComposeFiles().apply(ctx)  # a good server; CHT has no data yet
    env = ctx.line.env_file(ctx.paths)
    kept = [line for line in (host.read_text(env) or "").splitlines()
            if not line.startswith(("COUCHDB_PASSWORD=", "COUCHDB_SECRET="))]
    host.write_file(env, "\n".join(kept) + "\n", 0o600)
    assert not current_steps.ComposeFiles().probe(ctx).ok
    current_steps.ComposeFiles().apply(ctx)
    assert {"COUCHDB_PASSWORD", "COUCHDB_SECRET"} <= set(env_values(host.read_text(env)))
    assert current_steps.ComposeFiles().probe(ctx).ok


def test_a_lost_secret_beside_the_current_lines_data_is_refused(tmp_path: Path) -> None:
    host = FakeHost(disk=tmp_path)
    ctx = context(host, tmp_path, **CURRENT)
    data = ctx.paths.cht_dir / current.COUCHDB_DIR
    (data / "shards").mkdir(parents=True)
    host.write_file(ctx.line.env_file(ctx.paths), "COUCHDB_PASSWORD=known-pass-123\n", 0o600)
    host.actions.clear()
    found = current_steps.ComposeFiles().probe(ctx)
    assert found.status is Status.BLOCKED
    assert f"COUCHDB_SECRET is missing from {ctx.line.env_file(ctx.paths)}" in found.reason
    assert f"CHT's database already exists in {data}" in found.reason
    assert "Put the line COUCHDB_SECRET=... back" in found.fix
    with pytest.raises(StepError, match="COUCHDB_SECRET is missing"):
        current_steps.ComposeFiles().apply(ctx)
    assert host.actions == []


UPGRADE = current.container_name(current.UPGRADE_SERVICE, current.UPGRADE_PROJECT)


def current_stack(host: FakeHost, ctx: Context, nginx_env: tuple[str, ...] = ()) -> None:
    """CHT 5.0.2's compose files, and the upgrade service and CHT's services running."""
    compose = ctx.paths.cht_dir / current.COMPOSE_DIR
    for name, data in release_files("5.0.2").items():
        host.files[compose / name] = data
    host.containers = {
        UPGRADE: a_container(UPGRADE, current.UPGRADE_SERVICE_IMAGE,
                             project=current.UPGRADE_PROJECT),
        **{f"cht-{service}-1": a_container(f"cht-{service}-1",
                                           f"public.ecr.aws/medic/cht-{service}:5.0.2")
           for service in ("api", "couchdb")},
        "cht-nginx-1": a_container("cht-nginx-1", "public.ecr.aws/medic/cht-nginx:5.0.2",
                                   env=nginx_env, log=current.WEB_READY + b"\n"),
    }


def test_a_stopped_service_of_the_current_line_is_brought_back_by_the_upgrade_service(
        tmp_path: Path) -> None:
    # (not live: whether CHT's ports are taken is asked of this machine itself)
    host = FakeHost(live=False, commands={("docker", "compose"): said(["docker"])})
    ctx = context(host, tmp_path, **CURRENT)
    found = current_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.NEEDED and "not started yet" in found.reason
    current_stack(host, ctx)
    nginx = host.containers["cht-nginx-1"]
    nginx.attrs["State"].update(Running=False, Status="exited")
    found = current_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.BROKEN and found.reason == "cht-nginx-1 is exited"
    host.effects[("docker", "compose")] = lambda argv: nginx.attrs["State"].update(
        Running=True, Status="running")
    current_steps.ServicesRunning().apply(ctx)
    upgrade_dir = ctx.paths.cht_dir / current.UPGRADE_DIR
    assert ran(host) == [("run", "docker", "compose", "-p", current.UPGRADE_PROJECT,
                          "--project-directory", str(upgrade_dir),
                          "-f", str(upgrade_dir / "docker-compose.yml"),
                          "up", "-d", "--force-recreate")]
    found = current_steps.ServicesRunning().probe(ctx)
    assert found.ok and "CHT's 3 services are running" in found.reason


# The upgrade service's log when Docker 29 refuses its client (CHT's upgrade troubleshooting
# page, "Docker reports 'client version is too old'").
TOO_OLD_LOG = (
    b"Error response from daemon: client version 1.41 is too old. Minimum supported API "
    b"version is 1.44, please upgrade your client to a newer version\n\nError while starting "
    b"containers Error: Error response from daemon: client version 1.41 is too old. Minimum "
    b"supported API version is 1.44, please upgrade your client to a newer version\n"
    b"    at ChildProcess.<anonymous> (/app/src/docker-compose-cli.js:35:25)\n")


def test_an_upgrade_service_docker_refuses_is_pulled_again_and_recreated(
        tmp_path: Path) -> None:
    host = FakeHost(live=False, commands={("docker", "compose"): said(["docker"])})
    ctx = context(host, tmp_path, **CURRENT)
    current_stack(host, ctx)
    upgrade_compose = ctx.paths.cht_dir / current.UPGRADE_DIR / "docker-compose.yml"
    host.files[upgrade_compose] = (
        f"services:\n  {current.UPGRADE_SERVICE}:\n    image: "
        f"{current.UPGRADE_SERVICE_IMAGE}\n").encode()
    host.containers[UPGRADE].log = TOO_OLD_LOG  # Docker was upgraded under it
    found = current_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.BROKEN
    assert ("Docker refuses CHT's upgrade service (client version 1.41 is too old; this "
            "Docker accepts 1.44 or newer)") in found.reason
    assert f"docker pull {current.UPGRADE_SERVICE_IMAGE}" in found.fix
    # the newest image no longer has the old client: recreated from it, the log is clean
    host.effects[("docker", "compose")] = lambda argv: setattr(
        host.containers[UPGRADE], "log", b"Running cmd: docker compose -p cht up -d\n")
    current_steps.ServicesRunning().apply(ctx)
    pulls = [action for action in host.actions if action[0] == "pull"]
    assert pulls == [("pull", current.UPGRADE_SERVICE_IMAGE)]
    assert ran(host)[-1][-3:] == ("up", "-d", "--force-recreate")
    assert current_steps.ServicesRunning().probe(ctx).ok


def test_an_upgrade_service_still_refused_after_pulling_says_to_keep_cht_as_it_is(
        tmp_path: Path) -> None:
    host = FakeHost(live=False, commands={("docker", "compose"): said(["docker"])})
    ctx = context(host, tmp_path, **CURRENT)
    current_stack(host, ctx)
    host.containers[UPGRADE].log = TOO_OLD_LOG  # and CHT has published no newer one
    with pytest.raises(StepError, match="still refuses CHT's upgrade service") as raised:
        current_steps.ServicesRunning().apply(ctx)
    assert "do not upgrade CHT until CHT publishes one" in raised.value.fix


def test_a_service_started_before_its_setting_changed_is_found_stale(tmp_path: Path) -> None:
    host = FakeHost(live=False)
    ctx = context(host, tmp_path, **CURRENT)
    current_stack(host, ctx, nginx_env=("CERTIFICATE_MODE=SELF_SIGNED",))
    assert current_steps.ServicesRunning().probe(ctx).ok
    host.files[ctx.line.env_file(ctx.paths)] = b"CERTIFICATE_MODE=OWN_CERT\n"
    host.containers[UPGRADE].attrs["Config"]["Env"] = ["CERTIFICATE_MODE=OWN_CERT"]
    found = current_steps.ServicesRunning().probe(ctx)
    assert found.status is Status.BROKEN
    assert found.reason == "cht-nginx-1 started before CERTIFICATE_MODE changed"


# ---- automatic security updates ------------------------------------------------------

def test_automatic_updates_are_only_reported_unless_asked_then_turned_on(
        tmp_path: Path) -> None:
    host = FakeHost(commands={("apt-get",): said(["apt-get"]),
                              ("systemctl", "enable"): said(["systemctl"]),
                              ("systemctl", "is-enabled"): said(["systemctl"], "disabled\n")})
    assert AutomaticUpdates().probe(context(host, tmp_path)).ok  # not asked
    ctx = context(host, tmp_path, updates={"automatic": True})
    found = AutomaticUpdates().probe(ctx)
    assert found.status is Status.NEEDED and found.reason == "unattended-upgrades is not installed"
    host.effects[("apt-get", "install")] = then_says(
        host, (*DPKG_STATUS, "unattended-upgrades"), INSTALLED)
    host.effects[("systemctl", "enable")] = then_says(host, ("systemctl", "is-enabled"),
                                                      "enabled\n")
    AutomaticUpdates().apply(ctx)
    assert ran(host) == [("run", "apt-get", "update"),
                         ("run", "apt-get", "install", "-y", "unattended-upgrades"),
                         ("run", "systemctl", "enable", "--now", "apt-daily.timer",
                          "apt-daily-upgrade.timer")]
    assert host.files[Path(APT_PERIODIC)] == APT_PERIODIC_TEXT.encode()
    # apt-config reads the file just written
    host.commands[("apt-config",)] = said([], 'APT::Periodic::Unattended-Upgrade "1";\n')
    found = AutomaticUpdates().probe(ctx)
    assert found.ok and "(unattended-upgrades)" in found.reason


def test_only_the_missing_timer_is_turned_on_and_a_failure_says_how(tmp_path: Path) -> None:
    host = FakeHost(commands={
        (*DPKG_STATUS, "unattended-upgrades"): said([], INSTALLED),
        ("apt-config",): said([], 'APT::Periodic::Unattended-Upgrade "1";\n'),
        ("systemctl", "is-enabled"): said(["systemctl"], "disabled\n"),
        ("systemctl", "enable"): said(["systemctl"], "Failed to enable unit", 1)})
    ctx = context(host, tmp_path, updates={"automatic": True})
    found = AutomaticUpdates().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == "apt-daily-upgrade.timer, which runs it, is not enabled"
    with pytest.raises(StepError) as failed:
        AutomaticUpdates().apply(ctx)
    assert "apt-daily-upgrade.timer` failed: Failed to enable unit" in failed.value.reason
    assert "dpkg-reconfigure -plow unattended-upgrades" in failed.value.fix
    assert [argv[1] for argv in ran(host)] == ["systemctl"]  # nothing installed again


# ---- hardware ---------------------------------------------------------------------------

def test_hardware_is_not_judged_on_a_plan_for_another_machine(tmp_path: Path) -> None:
    ctx = context(FakeHost(), tmp_path)
    assert not ctx.platform.live
    found = HardwareEnough().probe(ctx)
    assert found.status is Status.WARNING and "hardware not checked" in found.reason
    with pytest.raises(StepError, match="cannot be changed"):
        HardwareEnough().apply(ctx)


def test_a_4_gb_server_is_enough_for_3x_short_for_the_current_line_and_root_is_a_must(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Memory, CPUs, disks and root come from psutil and os, not through the host: the
    # machine's facts are given, the step's verdicts on them checked.
    disk = DiskFacts("Docker and CHT data", "/var/lib/docker", 60 * GB, 40 * GB, False)
    facts = HardwareFacts(memory=4 * GIB, cpus=2, disks=(disk,), root=True, arch="x86_64")
    monkeypatch.setattr(hardware, "gather", lambda ctx: facts)

    def on_this_machine(**answers: Any) -> Context:
        ctx = context(FakeHost(), tmp_path, **answers)
        ctx.platform = replace(ctx.platform, live=True)
        return ctx

    assert HardwareEnough().probe(on_this_machine()).ok
    found = HardwareEnough().probe(on_this_machine(**CURRENT))
    assert found.status is Status.WARNING and "needs 8 GB and may be slow" in found.reason
    assert "Give the server at least 8 GB of memory" in found.fix
    monkeypatch.setattr(hardware, "gather", lambda ctx: replace(facts, root=False))
    found = HardwareEnough().probe(on_this_machine())
    assert found.status is Status.BLOCKED and "must run as root" in found.reason
    assert "`sudo cht-install`" in found.fix


# ---- the scheduled jobs: nightly backup, health check, certificate renewal -------------

SYSTEMCTL = {("systemctl",): said(["systemctl"]),
             ("systemctl", "is-enabled"): said(["systemctl"], "disabled\n", 1)}


def removes(host: FakeHost) -> Callable[[tuple[str, ...]], None]:
    """An effect: `rm -f PATH` removes the file."""
    def effect(argv: tuple[str, ...]) -> None:
        host.files.pop(Path(argv[-1]), None)
    return effect


def schedules_on_systemd() -> FakeHost:
    """A systemd server on which enabling a timer shows it enabled, and `rm -f` removes."""
    host = FakeHost(commands={**SYSTEMCTL, ("rm", "-f"): said(["rm"])})
    host.effects[("systemctl", "enable")] = then_says(host, ("systemctl", "is-enabled"),
                                                      "enabled\n")
    host.effects[("rm", "-f")] = removes(host)
    return host


def without_systemd(ctx: Context) -> Context:
    """The same server booted without systemd (a container, WSL 1): jobs go to cron."""
    ctx.platform = replace(ctx.platform, systemd=False)
    return ctx


def written(host: FakeHost) -> list[str]:
    return [action[1] for action in host.actions if action[0] == "write"]


BACKUP: dict[str, Any] = {"backup": {"dir": "/var/backups/cht", "schedule": "03:15"}}


def test_the_nightly_backup_gets_a_systemd_timer_at_the_time_asked(tmp_path: Path) -> None:
    host = schedules_on_systemd()
    found = BackupScheduled().probe(context(host, tmp_path))
    assert found.ok and "no folder for nightly backups is set" in found.reason
    ctx = context(host, tmp_path, **BACKUP)
    units = ctx.paths.systemd_dir
    found = BackupScheduled().probe(ctx)
    assert found.status is Status.NEEDED and "cht-install-backup.service is not in place yet" \
        in found.reason
    BackupScheduled().apply(ctx)
    assert written(host) == [str(units / "cht-install-backup.service"),
                             str(units / "cht-install-backup.timer")]
    assert "OnCalendar=*-*-* 03:15:00\n" in (host.read_text(units / "cht-install-backup.timer")
                                             or "")
    service = host.read_text(units / "cht-install-backup.service") or ""
    assert f" backup --scheduled --root {tmp_path}\n" in service
    assert ran(host) == [("run", "systemctl", "daemon-reload"),
                         ("run", "systemctl", "enable", "--now", "cht-install-backup.timer")]
    found = BackupScheduled().probe(ctx)
    assert found.ok and found.reason == ("cht-install-backup.timer runs `cht-install backup "
                                         "--scheduled` every night at 03:15")
    # asked for another time: the timer is found out of date and rewritten
    later = context(host, tmp_path, backup={"dir": "/var/backups/cht", "schedule": "04:00"})
    assert BackupScheduled().probe(later).status is Status.NEEDED
    BackupScheduled().apply(later)
    assert "OnCalendar=*-*-* 04:00:00\n" in (host.read_text(units / "cht-install-backup.timer")
                                             or "")
    assert BackupScheduled().probe(later).ok


def test_without_systemd_the_backup_is_a_cron_entry_and_cron_is_installed_to_run_it(
        tmp_path: Path) -> None:
    host = FakeHost(commands={("apt-get",): said(["apt-get"]), ("service",): said(["service"]),
                              ("pgrep", "-x", "cron"): said(["pgrep"], "", 1)})
    host.effects[("apt-get", "install")] = then_says(host, ("cron",), "")
    host.effects[("service", "cron", "start")] = then_says(host, ("pgrep", "-x", "cron"),
                                                           "412\n")
    ctx = without_systemd(context(host, tmp_path, **BACKUP))
    entry = ctx.paths.cron_file.parent / "cht-install-backup"
    found = BackupScheduled().probe(ctx)
    assert found.status is Status.NEEDED and f"{entry} is not in place yet" in found.reason
    BackupScheduled().apply(ctx)
    assert written(host) == [str(entry)]
    line = (host.read_text(entry) or "").splitlines()[-1]
    assert line.startswith("15 3 * * * root ")
    assert line.endswith(f" backup --scheduled --root {tmp_path} >/dev/null 2>>{ctx.paths.log}")
    assert ran(host) == [("run", "apt-get", "update"), ("run", "apt-get", "install", "-y", "cron"),
                         ("run", "service", "cron", "start")]
    found = BackupScheduled().probe(ctx)
    assert found.ok and found.reason == ("cron runs `cht-install backup --scheduled` every "
                                         f"night at 03:15 ({entry})")


def test_backups_no_longer_asked_for_are_taken_off_the_schedule(tmp_path: Path) -> None:
    host = schedules_on_systemd()
    BackupScheduled().apply(context(host, tmp_path, **BACKUP))  # asked for earlier
    host.actions.clear()
    ctx = context(host, tmp_path)  # the folder answer since cleared
    units = ctx.paths.systemd_dir
    found = BackupScheduled().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == (f"{units / 'cht-install-backup.timer'} is left from earlier "
                            "answers (no folder for nightly backups is set)")
    assert found.fix == "cht-install takes it off the schedule."
    BackupScheduled().apply(ctx)
    assert ran(host) == [
        ("run", "systemctl", "disable", "--now", "cht-install-backup.timer"),
        ("run", "rm", "-f", str(units / "cht-install-backup.timer")),
        ("run", "rm", "-f", str(units / "cht-install-backup.service")),
        ("run", "systemctl", "daemon-reload")]
    assert host.files == {}
    found = BackupScheduled().probe(ctx)
    assert found.ok and "none asked for" in found.reason


ALERTS: dict[str, Any] = {"alerts": {"webhook": "https://ntfy.sh/cht-alerts", "every_minutes": 5}}


def test_the_health_check_timer_is_enabled_again_when_off_and_rewritten_when_edited(
        tmp_path: Path) -> None:
    host = schedules_on_systemd()
    ctx = context(host, tmp_path, **ALERTS)
    units = ctx.paths.systemd_dir
    timer = units / "cht-install-health.timer"
    HealthCheckScheduled().apply(ctx)  # a good server
    assert "OnCalendar=*-*-* *:00/5:00\n" in (host.read_text(timer) or "")
    found = HealthCheckScheduled().probe(ctx)
    assert found.ok and found.reason == ("cht-install-health.timer runs `cht-install "
                                         "health-check` every 5 minutes")
    host.commands[("systemctl", "is-enabled")] = said(["systemctl"], "disabled\n", 1)
    found = HealthCheckScheduled().probe(ctx)  # turned off by hand
    assert found.status is Status.NEEDED
    assert found.reason == "cht-install-health.timer is not enabled"
    host.actions.clear()
    HealthCheckScheduled().apply(ctx)
    assert ran(host) == [("run", "systemctl", "daemon-reload"),
                         ("run", "systemctl", "enable", "--now", "cht-install-health.timer")]
    assert HealthCheckScheduled().probe(ctx).ok
    good = host.files[timer]
    host.files[timer] = good.replace(b"00/5", b"00/30")  # edited by hand
    found = HealthCheckScheduled().probe(ctx)
    assert found.status is Status.NEEDED and found.reason == f"{timer} is not in place yet"
    HealthCheckScheduled().apply(ctx)
    assert host.files[timer] == good
    assert HealthCheckScheduled().probe(ctx).ok


def test_without_systemd_a_stopped_cron_is_started_for_the_health_check_and_the_entry_removed(
        tmp_path: Path) -> None:
    host = FakeHost(commands={("cron",): said(["cron"]), ("rm", "-f"): said(["rm"]),
                              ("pgrep", "-x", "cron"): said(["pgrep"], "412\n"),
                              ("service",): said(["service"], "cron: unrecognized service", 1)})
    host.effects[("rm", "-f")] = removes(host)
    ctx = without_systemd(context(host, tmp_path, **ALERTS))
    entry = ctx.paths.cron_file.parent / "cht-install-health"
    HealthCheckScheduled().apply(ctx)  # a good server
    assert written(host) == [str(entry)] and ran(host) == []
    assert (host.read_text(entry) or "").splitlines()[-1].startswith("*/5 * * * * root ")
    assert HealthCheckScheduled().probe(ctx).ok
    host.commands[("pgrep", "-x", "cron")] = said(["pgrep"], "", 1)  # cron stopped
    host.actions.clear()
    found = HealthCheckScheduled().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == ("cron is not running, so `cht-install health-check` every 5 "
                            "minutes would never run")
    with pytest.raises(StepError) as failed:
        HealthCheckScheduled().apply(ctx)
    assert failed.value.reason == "`service cron start` failed: cron: unrecognized service"
    assert "Start the scheduler by hand" in failed.value.fix
    assert ran(host) == [("run", "service", "cron", "start")]  # nothing installed
    host.commands[("pgrep", "-x", "cron")] = said(["pgrep"], "412\n")  # started by hand
    found = HealthCheckScheduled().probe(ctx)
    assert found.ok and found.reason == ("cron runs `cht-install health-check` every 5 "
                                         f"minutes ({entry})")
    off = without_systemd(context(host, tmp_path))  # no address for alerts any more
    found = HealthCheckScheduled().probe(off)
    assert found.status is Status.NEEDED and f"{entry} is left from earlier" in found.reason
    host.actions.clear()
    HealthCheckScheduled().apply(off)
    assert ran(host) == [("run", "rm", "-f", str(entry))]  # no systemctl without systemd
    assert HealthCheckScheduled().probe(off).ok


LETSENCRYPT: dict[str, Any] = {"tls": {"mode": "letsencrypt", "email": "it@example.org"}}


def test_only_a_lets_encrypt_certificate_is_renewed_on_a_timer(tmp_path: Path) -> None:
    host = schedules_on_systemd()
    own = {"mode": "own", "certificate": "/root/cht.pem", "key": "/root/cht.key"}
    for tls in ({"mode": "self-signed"}, own):
        found = TlsRenewal().probe(context(host, tmp_path, tls=tls))
        assert found.ok and found.reason == ("not needed: the certificate does not come from "
                                             "Let's Encrypt")
    ctx = context(host, tmp_path, **LETSENCRYPT)
    units = ctx.paths.systemd_dir
    found = TlsRenewal().probe(ctx)
    assert found.status is Status.NEEDED and "cht-install-renew.service is not in place yet" \
        in found.reason
    TlsRenewal().apply(ctx)
    assert written(host) == [str(units / "cht-install-renew.service"),
                             str(units / "cht-install-renew.timer")]
    timer = host.read_text(units / "cht-install-renew.timer") or ""
    assert "OnCalendar=*-*-* 03,15:17:00\nRandomizedDelaySec=3600\n" in timer
    assert ran(host) == [("run", "systemctl", "daemon-reload"),
                         ("run", "systemctl", "enable", "--now", "cht-install-renew.timer")]
    found = TlsRenewal().probe(ctx)
    assert found.ok and found.reason == ("cht-install-renew.timer runs `cht-install renew-cert` "
                                         "twice a day")


def test_the_renewal_is_taken_off_the_schedule_when_lets_encrypt_is_left(
        tmp_path: Path) -> None:
    host = schedules_on_systemd()
    TlsRenewal().apply(context(host, tmp_path, **LETSENCRYPT))  # asked for earlier
    host.actions.clear()
    ctx = context(host, tmp_path, tls={"mode": "self-signed"})
    units = ctx.paths.systemd_dir
    found = TlsRenewal().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == (f"{units / 'cht-install-renew.timer'} is left from earlier answers "
                            "(the certificate does not come from Let's Encrypt)")
    TlsRenewal().apply(ctx)
    assert ran(host)[0] == ("run", "systemctl", "disable", "--now", "cht-install-renew.timer")
    assert host.files == {}
    assert TlsRenewal().probe(ctx).ok


def test_without_systemd_lets_encrypt_is_renewed_by_the_running_cron(tmp_path: Path) -> None:
    host = FakeHost(commands={("cron",): said(["cron"]),
                              ("pgrep", "-x", "cron"): said(["pgrep"], "412\n")})
    ctx = without_systemd(context(host, tmp_path, **LETSENCRYPT))
    entry = ctx.paths.cron_file
    assert TlsRenewal().probe(ctx).status is Status.NEEDED
    TlsRenewal().apply(ctx)
    assert written(host) == [str(entry)] and ran(host) == []  # cron already runs
    line = (host.read_text(entry) or "").splitlines()[-1]
    assert line.startswith("17 3,15 * * * root ") and f" renew-cert --root {tmp_path} " in line
    found = TlsRenewal().probe(ctx)
    assert found.ok and found.reason == f"cron runs `cht-install renew-cert` twice a day ({entry})"


# ---- the self-signed certificate -------------------------------------------------------

def certificate_of(host: FakeHost, ctx: Context) -> x509.Certificate:
    return x509.load_pem_x509_certificate(host.files[ctx.paths.certificate])


def test_a_self_signed_certificate_is_made_when_there_is_none(tmp_path: Path) -> None:
    host = FakeHost(live=False)
    ctx = context(host, tmp_path)
    found = TlsCertificate().probe(ctx)
    assert found.status is Status.NEEDED
    assert found.reason == f"no certificate in {ctx.paths.tls_dir} yet"
    TlsCertificate().apply(ctx)
    assert host.actions == [("write", str(ctx.paths.certificate), "0o644"),
                            ("write", str(ctx.paths.private_key), "0o600"),
                            ("write", str(ctx.paths.tls_source), "0o644")]
    made = certificate_of(host, ctx)
    assert made.issuer == made.subject and summarize(made).names == ("cht.example.org",)
    assert host.files[ctx.paths.tls_source] == b"self-signed\n"
    found = TlsCertificate().probe(ctx)
    assert found.ok and found.reason == "self-signed for cht.example.org, 824 days left"


def expiring(name: str) -> Issued:
    return self_signed(name, not_after=NOW + dt.timedelta(days=10))


def expired(name: str) -> Issued:
    return self_signed(name, not_before=NOW - dt.timedelta(days=400),
                       not_after=NOW - dt.timedelta(days=3))


def from_a_ca(name: str) -> Issued:
    return leaf(intermediate(root()), name)


@pytest.mark.parametrize(("make", "name", "status", "said"), [
    (expiring, "cht.example.org", Status.NEEDED,
     "the certificate expires in 9 days: time to renew it"),
    (expired, "cht.example.org", Status.BROKEN,
     f"the certificate expired on {NOW - dt.timedelta(days=3):%Y-%m-%d}: phones refuse it"),
    (self_signed, "old.example.org", Status.NEEDED,
     "the certificate is for old.example.org; the host name is now cht.example.org"),
    (from_a_ca, "cht.example.org", Status.NEEDED,
     "the installed certificate is not a self-signed one (mode changed)"),
], ids=["expiring", "expired", "another name", "not self-signed"])
def test_a_self_signed_certificate_is_kept_while_good_and_renewed_when_not(
        tmp_path: Path, make: Callable[[str], Issued], name: str, status: Status,
        said: str) -> None:
    host = FakeHost(live=False)
    ctx = context(host, tmp_path)
    good = self_signed("cht.example.org")
    host.files[ctx.paths.certificate] = good.pem
    host.files[ctx.paths.private_key] = good.key_pem()
    found = TlsCertificate().probe(ctx)
    assert found.ok and found.reason == "self-signed for cht.example.org, 89 days left"
    old = make(name)
    host.files[ctx.paths.certificate] = old.pem
    host.files[ctx.paths.private_key] = old.key_pem()
    found = TlsCertificate().probe(ctx)
    assert found.status is status and said in found.reason
    assert found.fix.startswith("cht-install makes a ")
    TlsCertificate().apply(ctx)
    assert host.files[ctx.paths.certificate.with_suffix(".crt.previous")] == old.pem
    assert host.files[ctx.paths.private_key.with_suffix(".key.previous")] == old.key_pem()
    assert certificate_of(host, ctx) != old.cert
    found = TlsCertificate().probe(ctx)
    assert found.ok and found.reason == "self-signed for cht.example.org, 824 days left"


MIRROR = {"registry": "127.0.0.1:5000"}


def test_a_pull_cut_off_mid_stream_is_tried_again(tmp_path: Path) -> None:
    import http.client

    host = FakeHost()
    host.pull_failures = [http.client.IncompleteRead(b"", 4096)]  # the stream broke off
    ctx = context(host, tmp_path, **MIRROR)
    ctx.facts.pull_retry_delays = (0.0,)
    ImagesPulled().apply(ctx)
    medic_os = "127.0.0.1:5000/medicmobile/medic-os:cht-3.9.0-rc.2"
    haproxy = "127.0.0.1:5000/medicmobile/haproxy:rc-1.17"
    assert host.actions == [("pull", medic_os), ("pull", medic_os), ("pull", haproxy)]
    assert ImagesPulled().probe(ctx).ok


def test_a_registry_that_keeps_failing_is_named_with_the_way_on(tmp_path: Path) -> None:
    from installer.host.docker_engine import DockerError

    host = FakeHost()
    host.pull_failures = [DockerError(404, "manifest unknown")] * 2
    ctx = context(host, tmp_path, **MIRROR)
    ctx.facts.pull_retry_delays = (0.0,)
    with pytest.raises(StepError) as refused:
        ImagesPulled().apply(ctx)
    assert "after 2 tries: 127.0.0.1:5000 does not have that image or tag" in str(
        refused.value)
    assert "goes on from the layers already fetched" in refused.value.fix


# ---- cht-install password ----------------------------------------------------------------

class FakeCouch:
    """CouchDB behind CHT's nginx as the password steps meet it: /_session for the admin
    with the right password; a PUT of the admin's config entry changes it."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.answering = True
        self.refuse_change = False
        self.puts: list[tuple[str, tuple[str, str]]] = []

    def __call__(self, path: str, auth: tuple[str, str] | None, method: str = "GET",
                 body: bytes = b"") -> HttpsAnswer:
        if not self.answering:
            return HttpsAnswer(b"cert", 502)
        if auth is None or auth[1] != self.password:
            return HttpsAnswer(b"cert", 401, body=b'{"error": "unauthorized"}')
        if method == "PUT":
            self.puts.append((path, auth))
            if self.refuse_change:
                return HttpsAnswer(b"cert", 500, body=b'{"error": "unknown_error"}')
            self.password = json.loads(body)
            return HttpsAnswer(b"cert", 200, body=b'"-pbkdf2-the-old-hash"')
        return HttpsAnswer(b"cert", 200, body=json.dumps(
            {"userCtx": {"name": auth[0], "roles": ["_admin"]}}).encode())


def password_server(tmp_path: Path, answers: dict[str, Any], env: str,
                    couch: FakeCouch) -> tuple[FakeHost, Context]:
    host = FakeHost(https=couch, containers={"medic-os": FakeContainer(
        "medic-os", files={cht3.PASSWORD_FILE: b"old-pass-123\n"})})
    ctx = context(host, tmp_path, **answers)
    host.files[ctx.line.env_file(ctx.paths)] = env.encode()
    ctx.facts.password_change = Change("old-pass-123", "new-pass-456")
    host.commands[("rm",)] = said(["rm"])
    host.effects[("rm", "-f")] = lambda argv: host.files.pop(Path(argv[2]), None) and None
    return host, ctx


@pytest.mark.parametrize("answers, env, path", [
    ({}, "# by cht-install\nDOCKER_COUCHDB_ADMIN_PASSWORD='old-pass-123'\n",
     "/_node/couchdb@127.0.0.1/_config/admins/medic"),
    (CURRENT, "COUCHDB_USER=medic\nCOUCHDB_PASSWORD=old-pass-123\nCOUCHDB_SECRET=s3\n",
     "/_node/_local/_config/admins/medic"),
])
def test_a_password_change_is_written_down_made_in_couchdb_then_in_env_then_removed(
        tmp_path: Path, answers: dict[str, Any], env: str, path: str) -> None:
    couch = FakeCouch("old-pass-123")
    host, ctx = password_server(tmp_path, answers, env, couch)
    note = pending_file(ctx.paths)
    assert ChangeKept().probe(ctx).status is Status.NEEDED
    ChangeKept().apply(ctx)
    assert ("write", str(note), "0o600") in host.actions and ChangeKept().probe(ctx).ok
    found = CouchdbHasIt().probe(ctx)
    assert found.status is Status.NEEDED and "old password" in found.reason
    CouchdbHasIt().apply(ctx)
    assert couch.puts == [(path, ("medic", "old-pass-123"))]  # as medic, with the old one
    assert couch.password == "new-pass-456" and CouchdbHasIt().probe(ctx).ok
    assert EnvHasIt().probe(ctx).status is Status.NEEDED
    EnvHasIt().apply(ctx)
    written = host.read_text(ctx.line.env_file(ctx.paths)) or ""
    assert env_values(written)[ctx.line.password_key] == "new-pass-456"
    assert written.replace("new-pass-456", "old-pass-123") == env  # nothing else changed
    assert ("write", str(ctx.line.env_file(ctx.paths)), "0o600") in host.actions
    copy = host.containers["medic-os"].files[cht3.PASSWORD_FILE]
    assert copy == (b"new-pass-456\n" if not answers else b"old-pass-123\n")  # 3.x's copy
    assert EnvHasIt().probe(ctx).ok
    assert ChangeDone().probe(ctx).status is Status.NEEDED
    ChangeDone().apply(ctx)
    assert note not in host.files and ChangeDone().probe(ctx).ok


def test_after_a_power_cut_couchdb_is_asked_itself_when_cht_holds_the_old_password(
        tmp_path: Path) -> None:
    """CouchDB took the new password, the power went before .env had it, and CHT's API,
    started again with the old one, does not answer: CouchDB's own port says the change is
    made, so .env and the services get it (no deadlock)."""
    couch = FakeCouch("new-pass-456")
    host, ctx = password_server(tmp_path, CURRENT, "COUCHDB_PASSWORD=old-pass-123\n", couch)
    couch.answering = False  # nginx: 502, the API waits for CouchDB to take its password
    asked: list[tuple[str, int, str]] = []

    def direct(container: str, port: int, path: str,
               auth: tuple[str, str] | None) -> HttpsAnswer:
        asked.append((container, port, path))
        couch.answering = True
        try:
            return couch(path, auth)
        finally:
            couch.answering = False

    host.direct = direct
    found = CouchdbHasIt().probe(ctx)
    assert found.ok and "signs in to CouchDB itself" in found.reason, found
    assert asked == [("cht-couchdb-1", 5984, "/_session")]
    assert EnvHasIt().probe(ctx).status is Status.NEEDED  # next: .env, then the services
    couch.password = "someone-elses"  # neither password works there either: not guessed
    found = CouchdbHasIt().probe(ctx)
    assert found.status is Status.NEEDED and "does not answer" in found.reason
    host.direct = None  # CouchDB itself does not answer: wait for CHT, as before
    assert "does not answer" in CouchdbHasIt().probe(ctx).reason


def test_a_refused_or_impossible_change_leaves_the_old_password_and_says_what_to_do(
        tmp_path: Path) -> None:
    couch = FakeCouch("old-pass-123")
    host, ctx = password_server(tmp_path, CURRENT, "COUCHDB_PASSWORD=old-pass-123\n", couch)
    couch.refuse_change = True
    with pytest.raises(StepError, match="CouchDB refused the change .500.; the old password "
                                        "still works"):
        CouchdbHasIt().apply(ctx)
    assert couch.password == "old-pass-123"
    couch.answering = False
    found = CouchdbHasIt().probe(ctx)
    assert found.status is Status.NEEDED and "does not answer" in found.reason
    with pytest.raises(StepError) as raised:
        CouchdbHasIt().apply(ctx)
    assert "sudo cht-install password" in raised.value.fix and couch.password == "old-pass-123"
    couch.answering, couch.password = True, "someone-elses"
    found = CouchdbHasIt().probe(ctx)
    assert found.status is Status.BROKEN and "neither the old nor the new" in found.reason
    assert str(pending_file(ctx.paths)) in found.fix


def test_an_env_line_is_replaced_in_place_and_added_when_missing() -> None:
    assert with_password("A=1\nK=old\nB=2\nK=dup\n", "K", "K=new") == "A=1\nK=new\nB=2\n"
    assert with_password("# K=commented\nA=1", "K", "K=new") == "# K=commented\nA=1\nK=new\n"


class FailsOnce:
    """A step after CouchDB's that fails the first time (CHT's services not coming back)."""

    id = "cht.running"
    title = "CHT's services are running"

    def __init__(self) -> None:
        self.failed = False

    def probe(self, ctx: Context) -> Any:
        from installer.step import needed, ok

        return ok("running") if self.failed else needed("stale")

    def apply(self, ctx: Context) -> None:
        self.failed = True
        raise StepError("the services did not come back", "Read the log.")


def test_a_change_that_fails_after_couchdb_took_it_puts_the_old_password_back(
        tmp_path: Path) -> None:
    couch = FakeCouch("old-pass-123")
    env = "COUCHDB_USER=medic\nCOUCHDB_PASSWORD=old-pass-123\n"
    host, ctx = password_server(tmp_path, CURRENT, env, couch)
    steps = [ChangeKept(), CouchdbHasIt(), EnvHasIt(), FailsOnce(), ChangeDone()]
    result = change_or_undo(ctx, steps, Change("old-pass-123", "new-pass-456"), [])
    assert not result.ok and result.failed == "cht.running"
    assert [put[1] for put in couch.puts] == [("medic", "old-pass-123"),
                                              ("medic", "new-pass-456")]  # and back
    assert couch.password == "old-pass-123"
    assert host.read_text(ctx.line.env_file(ctx.paths)) == env
    assert pending_file(ctx.paths) not in host.files


def test_a_change_couchdb_refused_leaves_nothing_behind(tmp_path: Path) -> None:
    couch = FakeCouch("old-pass-123")
    host, ctx = password_server(tmp_path, CURRENT, "COUCHDB_PASSWORD=old-pass-123\n", couch)
    couch.refuse_change = True
    steps = [ChangeKept(), CouchdbHasIt(), EnvHasIt(), ChangeDone()]
    result = change_or_undo(ctx, steps, Change("old-pass-123", "new-pass-456"), [])
    assert not result.ok and result.failed == "password.couchdb"
    assert couch.password == "old-pass-123" and pending_file(ctx.paths) not in host.files


# ---- the proxy -----------------------------------------------------------------------------

PROXY = "http://ops:s3cret@10.0.0.9:3128"


def test_docker_gets_the_answers_proxy_through_its_systemd_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    show = ("systemctl", "show", "docker", "--property=Environment")
    host = FakeHost(commands={show: said(list(show), "Environment=\n"),
                              ("systemctl", "is-active"): said(["systemctl"], "active\n"),
                              ("systemctl", "daemon-reload"): said(["systemctl"]),
                              ("systemctl", "restart"): said(["systemctl"])})
    found = DockerProxy().probe(context(host, tmp_path))
    assert found.ok and "directly" in found.reason  # no proxy: nothing to do
    ctx = context(host, tmp_path, proxy={"http": PROXY, "https": PROXY, "no_proxy": "localhost"})
    found = DockerProxy().probe(ctx)
    assert found.status is Status.NEEDED and "no proxy setting yet" in found.reason
    DockerProxy().apply(ctx)
    drop_in = ctx.paths.systemd_dir / "docker.service.d/cht-install-proxy.conf"
    assert ("write", str(drop_in), "0o600") in host.actions  # it holds the proxy's password
    assert "s3cret" in host.secrets  # masked in a plan and the log
    text = host.read_text(drop_in) or ""
    assert f'Environment="HTTPS_PROXY={PROXY}"' in text and 'NO_PROXY=localhost"' in text
    assert ran(host)[-2:] == [("run", "systemctl", "daemon-reload"),
                              ("run", "systemctl", "restart", "docker")]
    found = DockerProxy().probe(ctx)
    assert found.status is Status.NEEDED and "runs without the proxy" in found.reason
    host.commands[show] = said(list(show), f"Environment=HTTP_PROXY={PROXY} HTTPS_PROXY="
                                           f"{PROXY} NO_PROXY=localhost\n")
    found = DockerProxy().probe(ctx)
    assert found.ok and "ops:****@10.0.0.9:3128" in found.reason and "s3cret" not in found.reason


def test_apts_daily_updates_get_the_proxy_unless_apt_has_one_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    host = FakeHost(commands={
        (*DPKG_STATUS, "unattended-upgrades"): said([], INSTALLED),
        ("apt-config", "dump", "APT::Periodic::Unattended-Upgrade"): said(
            [], 'APT::Periodic::Unattended-Upgrade "1";\n'),
        ("apt-config", "dump", "Acquire::http::Proxy"): said([], ""),
        ("systemctl", "is-enabled"): said(["systemctl"], "enabled\n"),
        ("systemctl", "enable"): said(["systemctl"])})
    assert AutomaticUpdates().probe(context(host, tmp_path, updates={"automatic": True})).ok
    ctx = context(host, tmp_path, updates={"automatic": True},
                  proxy={"http": PROXY, "https": PROXY, "no_proxy": "localhost,.internal"})
    found = AutomaticUpdates().probe(ctx)
    assert found.status is Status.NEEDED and "apt has no proxy setting" in found.reason
    said_by_doctor = updates_finding(ctx)
    assert APT_PROXY in said_by_doctor.fix and "--automatic-updates yes" in said_by_doctor.fix
    AutomaticUpdates().apply(ctx)
    assert ("write", APT_PROXY, "0o600") in host.actions and "s3cret" in host.secrets
    text = host.read_text(Path(APT_PROXY)) or ""
    assert f'Acquire::https::Proxy "{PROXY}";' in text
    assert 'Acquire::http::Proxy::localhost "DIRECT";' in text and ".internal" not in text
    assert AutomaticUpdates().probe(ctx).ok
    # another proxy given later: the file is found out of date
    other = context(host, tmp_path, updates={"automatic": True},
                    proxy={"http": "http://10.0.0.10:3128"})
    assert "not the proxy cht-install was given" in AutomaticUpdates().probe(other).reason
    # the operator's own apt setting, and no file of cht-install's: left alone
    del host.files[Path(APT_PROXY)]
    host.commands[("apt-config", "dump", "Acquire::http::Proxy")] = said(
        [], 'Acquire::http::Proxy "http://10.0.0.11:8080";\n')
    assert AutomaticUpdates().probe(ctx).ok


def test_a_service_holding_the_old_admin_password_is_stale_after_a_change(
        tmp_path: Path) -> None:
    ctx = context(FakeHost(), tmp_path, **CURRENT)
    settings = {"COUCHDB_PASSWORD": "new-pass-456"}
    api = {"Config": {"Env": ["COUCH_URL=http://medic:old-pass-123@haproxy:5984/medic"]}}
    couchdb = {"Config": {"Env": ["COUCHDB_PASSWORD=new-pass-456"]}}
    assert current_steps.stale_settings(ctx, settings, "cht-api-1", api) == [
        "COUCHDB_PASSWORD"]
    assert current_steps.stale_settings(ctx, settings, "cht-couchdb-1", couchdb) == []


def test_a_build_server_mirror_reaches_chts_api_through_the_env(tmp_path: Path) -> None:
    mirror = "http://mirror.example.org:8082/_couch/builds_4/"
    ctx = context(FakeHost(), tmp_path, builds_url=mirror, **CURRENT)
    settings = current_steps.wanted_settings(ctx)
    # cht-core.yml: BUILDS_URL=${MARKET_URL_READ:-...}/${BUILDS_SERVER:-_couch/builds_4}
    assert (settings["MARKET_URL_READ"], settings["BUILDS_SERVER"]) == (
        "http://mirror.example.org:8082", "_couch/builds_4")
    own = current_steps.wanted_settings(context(FakeHost(), tmp_path, **CURRENT))
    assert not set(current.BUILDS_KEYS) & set(own)  # CHT's own: its defaults name it
    # an API started before the mirror was set is recreated (it fetches releases there)
    api = a_container("cht-api-1", "public.ecr.aws/medic/cht-api:5.0.2", env=(
        "BUILDS_URL=https://staging.dev.medicmobile.org/_couch/builds_4",)).attrs
    assert current_steps.stale_settings(ctx, settings, "cht-api-1", api) == ["MARKET_URL_READ"]
    assert current_steps.stale_settings(ctx, own, "cht-api-1", api) == []


def test_a_container_left_by_a_cut_short_recreation_is_named_and_removed(
        tmp_path: Path) -> None:
    names = ("docker", "ps", "-a", "--format", "{{.Names}}")
    left = "a5a7993ba6da_upgrade-service-cht-upgrade-service-1"
    host = FakeHost(commands={names: said(list(names), f"cht-api-1\n{left}\n"
                                                       "0123456789ab_someone-elses\n")},
                    containers={left: FakeContainer(left)})
    ctx = context(host, tmp_path, **CURRENT)
    found = current_steps.problems(ctx, {"upgrade-service-cht-upgrade-service-1": None})
    assert f"{left} was left by a recreation that was cut short" in found
    from installer.containers import remove_cut_recreations

    remove_cut_recreations(ctx, ["upgrade-service-cht-upgrade-service-1", "cht-api-1"])
    assert ("remove", left) in host.actions and len(
        [a for a in host.actions if a[0] == "remove"]) == 1  # not someone else's


class FakeCht:
    """CHT's API and CouchDB behind its nginx, as the upgrade steps meet them: /api/info,
    the upgrade log in medic-logs, and /api/v2/upgrade's stage, complete and cancel (each
    finishing at once: staged and indexed, or switched)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.log: dict[str, Any] | None = None
        self.staging_fails = False
        self.progress = 100  # the staged views' indexing, as the API reports it
        self.calls: list[tuple[str, str]] = []

    def __call__(self, path: str, auth: tuple[str, str] | None, method: str = "GET",
                 body: bytes = b"") -> HttpsAnswer:
        def answer(data: object, status: int = 200) -> HttpsAnswer:
            return HttpsAnswer(b"cert", status, body=json.dumps(data).encode())

        if path == "/api/info":
            return answer({"version": self.version})
        if auth != ("medic", "pass-123"):
            return answer({"error": "unauthorized"}, 401)
        self.calls.append((method, path.partition("?")[0]))
        if path.startswith("/medic-logs/_all_docs"):
            return answer({"rows": [{"doc": self.log}] if self.log else []})
        if method == "GET" and path == "/api/v2/upgrade":
            return answer({"upgradeDoc": self.log, "indexers": [
                {"database": "medic", "progress": self.progress}]})
        if method == "POST" and path == "/api/v2/upgrade/stage":
            build = json.loads(body)["build"]
            self.log = {"to": build, "state": "errored" if self.staging_fails else "indexed"}
            return answer({"ok": True})
        if method == "POST" and path == "/api/v2/upgrade/complete":
            assert self.log and self.log["state"] == "indexed"
            self.version = json.loads(body)["build"]["version"]
            self.log["state"] = "finalized"
            return HttpsAnswer(None, None, "the API was recreated while answering")
        if method == "DELETE" and path == "/api/v2/upgrade":
            assert self.log is not None
            self.log["state"] = "aborted"
            return answer({"ok": True})
        return answer({"error": "not_found"}, 404)


def upgrading(tmp_path: Path, cht: FakeCht) -> tuple[FakeHost, Context]:
    from installer.lines.current.upgrade import Upgrade

    host = FakeHost(https=cht)
    ctx = context(host, tmp_path, registry="127.0.0.1:5000", **CURRENT)
    host.files[ctx.line.env_file(ctx.paths)] = b"COUCHDB_USER=medic\nCOUCHDB_PASSWORD=pass-123\n"
    host.commands[("docker", "tag")] = said(["docker", "tag"])
    host.effects[("docker", "tag")] = lambda argv: host.images.add(argv[3])
    ctx.config = ctx.config.with_changes(cht_version="5.2.0")
    ctx.facts.upgrade = Upgrade("5.0.2", "5.2.0")
    host.commands[("rm",)] = said(["rm"])
    host.effects[("rm", "-f")] = lambda argv: host.files.pop(Path(argv[2]), None) and None
    for name in current.COMPOSE_FILES:
        url = current.compose_url(current.BUILDS_URL, "5.2.0", name)
        service = "api" if name == "cht-core.yml" else "couchdb"
        host.downloads[url] = (f"services:\n  {service}:\n    image: "
                               f"public.ecr.aws/medic/cht-{service}:5.2.0\n").encode()
    return host, ctx


def test_an_upgrade_fetches_pulls_backs_up_stages_switches_and_saves_the_answers(
        tmp_path: Path) -> None:
    from installer.lines.current.upgrade import (
        BackupMade,
        ImagesReady,
        ReleaseFetched,
        ReleaseStaged,
        ReleaseSwitched,
        UpgradeDone,
        UpgradeKept,
        note_file,
    )

    cht = FakeCht("5.0.2")
    host, ctx = upgrading(tmp_path, cht)
    note = note_file(ctx.paths)
    assert UpgradeKept().probe(ctx).status is Status.NEEDED
    UpgradeKept().apply(ctx)
    assert ("write", str(note), "0o600") in host.actions and UpgradeKept().probe(ctx).ok
    assert ReleaseFetched().probe(ctx).status is Status.NEEDED
    ReleaseFetched().apply(ctx)
    assert ReleaseFetched().probe(ctx).ok
    found = ImagesReady().probe(ctx)
    assert found.status is Status.NEEDED and "cht-api:5.2.0" in found.reason
    ImagesReady().apply(ctx)
    assert [a[1] for a in host.actions if a[0] == "pull"] == [  # through the mirror
        "127.0.0.1:5000/medic/cht-api:5.2.0", "127.0.0.1:5000/medic/cht-couchdb:5.2.0"]
    assert ("run", "docker", "tag", "127.0.0.1:5000/medic/cht-api:5.2.0",
            "public.ecr.aws/medic/cht-api:5.2.0") in host.actions
    assert ImagesReady().probe(ctx).ok
    made = tmp_path / "cht-backup.tar.gz"
    assert BackupMade().probe(ctx).status is Status.NEEDED
    with pytest.raises(StepError, match="no way to make a backup"):
        BackupMade().apply(ctx)

    def backup() -> Path:
        host.files[made.with_name(made.name + ".sha256")] = b"sum"
        return made

    BackupMade(backup).apply(ctx)
    assert json.loads(host.files[note])["backup"] == str(made) and BackupMade().probe(ctx).ok
    assert ReleaseStaged().probe(ctx).status is Status.NEEDED
    ReleaseStaged().apply(ctx)
    assert ("POST", "/api/v2/upgrade/stage") in cht.calls and ReleaseStaged().probe(ctx).ok
    found = ReleaseSwitched().probe(ctx)
    assert found.status is Status.NEEDED and "CHT 5.0.2 answers now" in found.reason
    ReleaseSwitched().apply(ctx)  # the answer cut off as the API is recreated: the usual end
    assert cht.version == "5.2.0" and ReleaseSwitched().probe(ctx).ok
    assert ReleaseStaged().probe(ctx).ok  # once it runs, staged is behind it
    assert UpgradeDone().probe(ctx).status is Status.NEEDED
    UpgradeDone().apply(ctx)
    assert "cht_version: 5.2.0" in (host.read_text(ctx.paths.answers) or "")
    assert note not in host.files and UpgradeDone().probe(ctx).ok


def test_a_staging_that_fails_or_another_upgrade_under_way_stops_the_upgrade(
        tmp_path: Path) -> None:
    from installer.lines.current.upgrade import ReleaseStaged, cancel, other_upgrade

    cht = FakeCht("5.0.2")
    host, ctx = upgrading(tmp_path, cht)
    cht.staging_fails = True
    with pytest.raises(StepError, match="could not stage CHT 5.2.0") as raised:
        ReleaseStaged().apply(ctx)
    assert "still serves its old release" in raised.value.fix
    cht.log = {"to": {"version": "5.1.3"}, "state": "indexing"}  # from CHT's admin app
    assert "an upgrade to CHT 5.1.3 is under way" in (other_upgrade(ctx, "5.2.0") or "")
    with pytest.raises(StepError, match="5.1.3 is under way"):
        ReleaseStaged().apply(ctx)
    cht.log = {"to": {"version": "5.2.0"}, "state": "indexing"}
    cancel(ctx)
    assert ("DELETE", "/api/v2/upgrade") in cht.calls and cht.log["state"] == "aborted"
    assert cht.version == "5.0.2"


@pytest.mark.parametrize("old, new, why", [
    ("5.2.0", "5.0.2", "older than CHT 5.2.0"),
    ("4.3.1", "5.2.0", "upgraded to CHT 4.5 or later before"),
    ("4.3.1", "4.22.0", None),
    ("4.5.0", "5.2.0", None),
    ("5.0.2", "6.0.0", "not a release of CHT's 4.x/5.x line"),
])
def test_the_version_path_follows_chts_preparing_for_5x_page(
        old: str, new: str, why: str | None) -> None:
    from installer.lines.current.upgrade import path_refusal

    found = path_refusal(old, new)
    assert (found is None) if why is None else (why in (found or ""))


def test_an_upgrade_is_refused_without_room_for_five_times_couchdbs_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from installer.lines.current import upgrade

    host, ctx = upgrading(tmp_path, FakeCht("5.0.2"))
    monkeypatch.setattr(upgrade, "used_bytes", lambda path: 2 * GB)
    monkeypatch.setattr(upgrade, "free_bytes", lambda path: 7 * GB)
    assert "8.0 GB must be free" in (upgrade.space_refusal(ctx) or "")
    monkeypatch.setattr(upgrade, "free_bytes", lambda path: 9 * GB)
    assert upgrade.space_refusal(ctx) is None


def test_a_staging_that_makes_no_progress_for_30_minutes_is_called_stalled_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from installer.lines.current import upgrade

    cht = FakeCht("5.0.2")
    host, ctx = upgrading(tmp_path, cht)
    clock = iter(range(0, 10 ** 6, 600))  # ten minutes go by between two looks
    monkeypatch.setattr(upgrade.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(host, "wait_until", lambda check, timeout, what: any(
        check() for _ in range(20)))
    original = cht.__call__

    def indexing(path: str, auth: tuple[str, str] | None, method: str = "GET",
                 body: bytes = b"") -> HttpsAnswer:
        answer = original(path, auth, method, body)
        if cht.log is not None and cht.log["state"] == "indexed":
            cht.log["state"] = "indexing"  # and it stays at the same percentage
        return answer

    host.https = indexing
    cht.progress = 40
    with pytest.raises(StepError, match="stalled at 40% for 30 minutes; CHT 5.0.2 still "
                                        "serves") as raised:
        upgrade.ReleaseStaged().apply(ctx)
    assert "restart CHT's services" in raised.value.fix and ctx.facts.upgrade_stalled
    assert cht.log is not None and cht.log["state"] == "indexing"  # not cancelled


def test_doctor_names_an_upgrade_cut_short_and_how_to_finish_it(tmp_path: Path) -> None:
    from installer.doctor_checks import version_check
    from installer.lines.current.upgrade import note_file

    inspect = ("docker", "inspect", "--format", "{{.Config.Image}}", "cht-api-1")
    host = FakeHost(commands={inspect: said(list(inspect),
                                            "public.ecr.aws/medic/cht-api:5.2.0\n")})
    ctx = context(host, tmp_path, cht_version="5.2.0")
    assert version_check(ctx).finding.ok
    host.files[note_file(ctx.paths)] = json.dumps({"old": "5.2.0", "new": "5.2.1"}).encode()
    found = version_check(ctx).finding
    assert found.status is Status.WARNING and "an upgrade to CHT 5.2.1 was cut short" in (
        found.reason)
    assert "sudo cht-install upgrade" in found.fix


def test_a_staging_asked_while_chts_api_restarts_is_asked_again_once_it_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from installer.lines.current.upgrade import ReleaseStaged

    cht = FakeCht("5.0.2")
    host, ctx = upgrading(tmp_path, cht)
    restarting = {"left": 3}  # the API is recreated: nginx answers 502 three times

    def answering(path: str, auth: tuple[str, str] | None, method: str = "GET",
                  body: bytes = b"") -> HttpsAnswer:
        if path != "/api/info" and restarting["left"] > 0:
            restarting["left"] -= 1
            return HttpsAnswer(b"cert", 502, body=b"<html>502 Bad Gateway</html>")
        return cht(path, auth, method, body)

    host.https = answering
    monkeypatch.setattr(host, "wait_until", lambda check, timeout, what: any(
        check() for _ in range(10)))
    ReleaseStaged().apply(ctx)
    assert cht.calls.count(("POST", "/api/v2/upgrade/stage")) == 1
    assert ReleaseStaged().probe(ctx).ok


# ---- cht-install migrate -------------------------------------------------------------------

def migration_context(tmp_path: Path, **changes: Any) -> tuple[FakeHost, Context]:
    """A 3.x site being moved to 5.0.2: its .env, medic-os and haproxy running (restart
    always), and the migration's note as the command starts it."""
    from installer.migration.note import Migration

    host = FakeHost()
    ctx = context(host, tmp_path, cht_version="5.0.2")
    host.files[ctx.paths.env_file] = b"DOCKER_COUCHDB_ADMIN_PASSWORD='old-pass'\n"
    for name in ("medic-os", "haproxy"):
        host.containers[name] = FakeContainer(name, attrs={
            "State": {"Running": True}, "HostConfig": {"RestartPolicy": {"Name": "always"}}})
    ctx.facts.migration = Migration(old="3.17.2", new="5.0.2", source="/srv/old", **changes)
    return host, ctx


def test_migration_note_is_private_and_carries_its_secret_to_the_redactor(
        tmp_path: Path) -> None:
    from installer.migration import note

    host, ctx = migration_context(tmp_path)
    note.keep(ctx, secret="s3cret-value", uuid="abc")
    assert ("write", str(ctx.paths.migration_note), "0o600") in host.actions
    assert "s3cret-value" in host.secrets
    kept = note.read(host.read_text(ctx.paths.migration_note))
    assert kept is not None and (kept.secret, kept.uuid, kept.phase) == (
        "s3cret-value", "abc", note.STARTED)
    assert note.read("not json") is None and not note.migrated_here(ctx)
    note.keep(ctx, phase=note.MIGRATED)
    assert note.migrated_here(ctx)


def test_the_release_design_documents_are_staged_as_the_migration_tool_stages_them() -> None:
    from installer.migration.site import staged_ddocs

    def packed(docs: list[dict[str, Any]]) -> dict[str, str]:
        return {"data": base64.b64encode(json.dumps({"docs": docs}).encode()).decode()}

    build = {"_attachments": {
        "ddocs/medic.json": packed([{"_id": "_design/medic", "_rev": "1-a", "version": "5.0.2",
                                     "views": {"by_type": {"map": "function(d){}"}}}]),
        "ddocs/users-meta.json": packed([{"_id": "_design/users-meta", "version": "5.0.2"}]),
        "docker-compose/cht-core.yml": {"data": "c2VydmljZXM6IHt9"}}}
    staged = staged_ddocs(build)
    assert set(staged) == {"medic", "medic-users-meta"}
    medic = staged["medic"][0]
    assert medic["_id"] == "_design/:staged:medic" and medic["version"] == "preindex-5.0.2"
    assert "_rev" not in medic and medic["views"] == {"by_type": {"map": "function(d){}"}}


def test_a_secret_printed_by_a_tool_never_reaches_the_log() -> None:
    from installer.host.files import Redactor

    said = Redactor()("COUCHDB_USER=medic\nCOUCHDB_PASSWORD=p%40ss\nCOUCHDB_SECRET=abc-123\n"
                      "COUCHDB_UUID=u1")
    assert "abc-123" not in said and "p%40ss" not in said and "COUCHDB_UUID=u1" in said


def test_3x_is_stopped_haproxy_first_with_its_counts_read_past_it(tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import OldStopped

    host, ctx = migration_context(tmp_path)
    asked: list[tuple[str, int, str]] = []

    def direct(container: str, port: int, path: str, auth: Any) -> HttpsAnswer:
        asked.append((container, port, path))
        body = ["medic", "_users"] if path == "/_all_dbs" else {"doc_count": len(path)}
        return HttpsAnswer(None, 200, body=json.dumps(body).encode())

    host.direct = direct

    def stop(argv: tuple[str, ...]) -> None:
        for name in argv[2:]:
            host.containers[name].attrs["State"]["Running"] = False

    def no_restart(argv: tuple[str, ...]) -> None:
        for name in argv[3:]:
            host.containers[name].attrs["HostConfig"]["RestartPolicy"]["Name"] = "no"

    host.commands[("docker",)] = CommandResult(("docker",), 0, "", "")
    host.effects[("docker", "stop")] = stop
    host.effects[("docker", "update")] = no_restart
    assert OldStopped().probe(ctx).status is Status.NEEDED
    OldStopped().apply(ctx)
    runs = [action[1:] for action in host.actions if action[0] == "run"]
    assert runs == [("docker", "update", "--restart=no", "medic-os", "haproxy"),
                    ("docker", "stop", "haproxy"), ("docker", "stop", "medic-os", "haproxy")]
    assert {where[:2] for where in asked} == {("medic-os", 5985)}
    kept = note.of(ctx)
    assert kept.counts == {"medic": len("/medic"), "_users": len("/_users")}
    assert kept.restart == {"medic-os": "always", "haproxy": "always"}
    assert OldStopped().probe(ctx).status is Status.OK


def test_the_new_env_carries_3x_password_secret_and_uuid(tmp_path: Path) -> None:
    from installer.migration.steps import EnvWritten

    host, ctx = migration_context(tmp_path, secret="the-secret", uuid="the-uuid")
    env = ctx.line.env_file(ctx.paths)
    host.files[env] = b"COUCHDB_LOG_LEVEL=debug\n"
    assert EnvWritten().probe(ctx).status is Status.NEEDED
    EnvWritten().apply(ctx)
    values = env_values(host.read_text(env))
    assert (values["COUCHDB_PASSWORD"], values["COUCHDB_SECRET"], values["COUCHDB_UUID"]) == (
        "old-pass", "the-secret", "the-uuid")
    assert values["COUCHDB_USER"] == "medic" and values["COUCHDB_LOG_LEVEL"] == "debug"
    assert ("write", str(env), "0o600") in host.actions
    assert EnvWritten().probe(ctx).status is Status.OK


def test_the_current_line_accepts_3x_kept_after_a_migration_and_names_the_command(
        tmp_path: Path) -> None:
    from installer.migration import note

    host, ctx = migration_context(tmp_path)
    host.volumes["medic-data"] = object()
    blocked = current_steps.NoOtherLine().probe(ctx)
    assert blocked.status is Status.BLOCKED and "cht-install migrate --to 5.0.2" in blocked.fix
    note.keep(ctx, phase=note.MIGRATED)
    assert current_steps.NoOtherLine().probe(ctx).status is Status.OK


def test_the_migration_is_written_down_then_backed_up_and_its_tool_pulled(
        tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import BackupMade, MigrationKept, ToolPulled

    host, ctx = migration_context(tmp_path)
    assert MigrationKept().probe(ctx).status is Status.NEEDED
    MigrationKept().apply(ctx)
    assert MigrationKept().probe(ctx).ok
    made = tmp_path / "cht-backup-1.tar.gz"

    def make() -> Path:
        host.files[made.with_name(made.name + ".sha256")] = b"abc  cht-backup-1.tar.gz\n"
        return made

    assert BackupMade(make).probe(ctx).status is Status.NEEDED
    BackupMade(make).apply(ctx)
    assert BackupMade(make).probe(ctx).ok and note.found(ctx).backup == str(made)  # type: ignore[union-attr]
    with pytest.raises(StepError, match="no way to make a backup"):
        BackupMade(None).apply(ctx)
    ctx.config = replace(ctx.config, registry="127.0.0.1:5000")  # the guide's image, mirrored
    assert ToolPulled().probe(ctx).status is Status.NEEDED
    ToolPulled().apply(ctx)
    assert ("pull", "127.0.0.1:5000/medic/couchdb-migration:1.1.0") in host.actions
    assert ToolPulled().probe(ctx).ok


def couch_over_https(views_ready: set[str], posted: list[bytes]) -> Callable[..., HttpsAnswer]:
    """3.x's CouchDB through CHT's API: medic exists (medic-logs does not), bulk saves are
    taken, a view answers once it is in ``views_ready``."""
    def answer(path: str, auth: Any, method: str = "GET", body: bytes = b"") -> HttpsAnswer:
        if method == "POST":
            posted.append(body)
            return HttpsAnswer(None, 201, body=b"[]")
        if path == "/_active_tasks":
            return HttpsAnswer(None, 200, body=json.dumps([{
                "type": "indexer", "design_document": "_design/:staged:medic",
                "progress": 40}]).encode())
        if "/_view/" in path:
            return HttpsAnswer(None, 200 if path.split("?")[0] in views_ready else None)
        return HttpsAnswer(b"DER", 200 if path == "/medic" or path == "/api/info" else 404,
                           body=b'{"version": "3.9.0"}')
    return answer


def release_doc(version: str) -> bytes:
    ddocs = {"docs": [{"_id": "_design/medic", "version": version,
                       "views": {"by_type": {"map": "function (doc) {}"}}}]}
    logs = {"docs": [{"_id": "_design/logs", "version": version, "views": {"x": {}}}]}
    return json.dumps({"_attachments": {
        "ddocs/medic.json": {"data": base64.b64encode(json.dumps(ddocs).encode()).decode()},
        "ddocs/logs.json": {"data": base64.b64encode(json.dumps(logs).encode()).decode()},
    }}).encode()


def test_the_new_views_are_staged_and_indexed_on_3x_until_each_answers(
        tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import ViewsIndexed

    host, ctx = migration_context(tmp_path)
    host.downloads[f"{current.BUILDS_URL}/medic:medic:5.0.2?attachments=true"] = \
        release_doc("5.0.2")
    ready: set[str] = set()
    posted: list[bytes] = []
    host.https = couch_over_https(ready, posted)
    seen: list[Any] = []
    ctx.emit = seen.append
    waits = iter([False, True])

    def wait_until(check: Callable[[], bool], timeout: float, what: str) -> bool:
        first = check()
        assert not first and next(waits) is False  # still indexing: said how far
        ready.add("/medic/_design/:staged:medic/_view/by_type")
        return check()

    host.wait_until = wait_until  # type: ignore[method-assign]
    assert ViewsIndexed().probe(ctx).status is Status.NEEDED
    ViewsIndexed().apply(ctx)
    assert ViewsIndexed().probe(ctx).ok and note.of(ctx).indexed
    staged = json.loads(posted[0])["docs"]  # medic only: medic-logs is not on this site
    assert len(posted) == 1 and staged[0]["_id"] == "_design/:staged:medic"
    assert staged[0]["version"] == "preindex-5.0.2"
    words = [getattr(event, "detail", "") for event in seen]
    assert "1 views still indexing, CouchDB's indexers 40% through (you may leave: a re-run " \
           "picks up)" in words and "all views indexed" in words


def test_3x_secret_uuid_and_certificate_are_read_by_the_tool_and_kept(tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import SiteRead

    host, ctx = migration_context(tmp_path)
    host.https = couch_over_https(set(), [])
    host.commands[("docker", "run")] = CommandResult(
        ("docker", "run"), 0, "COUCHDB_USER=medic\r\nCOUCHDB_PASSWORD=old-pass\r\n"
        "COUCHDB_SECRET=s3cret\r\nCOUCHDB_UUID=u-u-i-d\r\n", "")
    assert SiteRead().probe(ctx).status is Status.NEEDED
    SiteRead().apply(ctx)
    run = next(action for action in host.actions if action[:3] == ("run", "docker", "run"))
    assert run[-2:] == ("127.0.0.1:5000/medic/couchdb-migration:1.1.0", "get-env") or \
        run[-1] == "get-env"
    assert "old-pass" not in " ".join(run)  # COUCH_URL goes through the environment
    kept = note.of(ctx)
    assert (kept.secret, kept.uuid) == ("s3cret", "u-u-i-d") and "s3cret" in host.secrets
    assert kept.certificate == hashlib.sha256(b"DER").hexdigest()
    assert SiteRead().probe(ctx).ok
    host.commands[("docker", "run")] = CommandResult(("docker", "run"), 1, "",
                                                     "An unexpected error occurred")
    with pytest.raises(StepError, match="could not read 3.x's CouchDB settings"):
        SiteRead().apply(ctx)


def test_3x_data_is_copied_beside_it_and_a_full_disk_says_so(tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import DataCopied

    host, ctx = migration_context(tmp_path)
    for name in ("medic-os", "haproxy"):
        host.containers[name].attrs["State"]["Running"] = False  # stopped by OldStopped
    host.files[Path("/srv/old/_dbs.couch")] = b"shard maps"
    host.commands[("docker",)] = CommandResult(("docker",), 0, "", "")
    assert DataCopied().probe(ctx).status is Status.NEEDED
    DataCopied().apply(ctx)
    assert ("copy", "/srv/old", str(tmp_path / "opt/cht/couchdb")) in host.actions
    assert host.files[tmp_path / "opt/cht/couchdb/_dbs.couch"] == b"shard maps"
    assert note.of(ctx).copied
    host.containers["medic-os"].attrs["State"]["Running"] = True
    with pytest.raises(StepError, match="runs again"):
        DataCopied().apply(ctx)
    host.containers["medic-os"].attrs["State"]["Running"] = False

    def full(source: Path, to: Path, progress: Any) -> None:
        raise RuntimeError(f"the disk holding {to.parent} is full")

    host.copy_tree = full  # type: ignore[method-assign]
    with pytest.raises(StepError, match="is full") as failed:
        DataCopied().apply(ctx)
    assert "Free space where" in failed.value.fix


def test_the_new_couchdb_is_proven_by_the_tool_and_the_counts(tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import CouchdbMoved

    host, ctx = migration_context(tmp_path, counts={"medic": 3, "_users": 1})
    said = "CouchDb is Ready\nRemoved nodes: []\nMigration verification passed.\n"
    host.commands[("docker",)] = CommandResult(("docker",), 0, said, "")
    host.commands[("docker-compose",)] = CommandResult(("docker-compose",), 0, "", "")
    found = {"medic": 3, "_users": 1}

    def direct(container: str, port: int, path: str, auth: Any) -> HttpsAnswer:
        assert (container, port) == ("cht-couchdb-1", 5984)
        body = list(found) if path == "/_all_dbs" else {"doc_count": found[path[1:]]}
        return HttpsAnswer(None, 200, body=json.dumps(body).encode())

    host.direct = direct
    assert CouchdbMoved().probe(ctx).status is Status.NEEDED
    CouchdbMoved().apply(ctx)
    tools = [action[-1] for action in host.actions if action[:3] == ("run", "docker", "run")]
    assert tools == ["check-couchdb-up", "move-node", "verify"]
    assert note.of(ctx).verified and CouchdbMoved().probe(ctx).ok
    found["medic"] = 2
    with pytest.raises(StepError, match="medic: 3 before, 2 now"):
        CouchdbMoved().apply(ctx)


def test_the_new_site_is_proven_then_the_answers_name_the_new_release(
        tmp_path: Path) -> None:
    from installer.migration import note
    from installer.migration.steps import EnvWritten, MigrationDone, SiteProven

    host, ctx = migration_context(tmp_path, counts={"medic": 3}, secret="s", uuid="u",
                                  certificate=hashlib.sha256(b"DER").hexdigest())
    EnvWritten().apply(ctx)
    version = {"now": "3.9.0"}

    def https(path: str, auth: Any = None, **more: Any) -> HttpsAnswer:
        if path == "/api/info":
            return HttpsAnswer(b"DER", 200, body=json.dumps({"version": version["now"]}).encode())
        return HttpsAnswer(b"DER", 200, body=b'{"userCtx": {"name": "medic"}}')

    host.https = https
    host.direct = lambda **asked: HttpsAnswer(None, 200, body=json.dumps(
        ["medic"] if asked["path"] == "/_all_dbs" else {"doc_count": 5}).encode())
    needed_now = SiteProven().probe(ctx)
    assert needed_now.status is Status.NEEDED and "5.0.2's API does not answer" in \
        needed_now.reason
    with pytest.raises(StepError, match="not as 3.x was"):
        SiteProven().apply(ctx)
    version["now"] = "5.0.2"
    assert SiteProven().probe(ctx).ok
    assert MigrationDone().probe(ctx).status is Status.NEEDED
    MigrationDone().apply(ctx)
    assert "cht_version: 5.0.2" in (host.read_text(ctx.paths.answers) or "")
    assert note.of(ctx).phase == note.MIGRATED and MigrationDone().probe(ctx).ok
