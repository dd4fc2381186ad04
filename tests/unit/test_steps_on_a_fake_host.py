"""One step at a time on a fake server (tests/fakehost.py): what it finds on a good and a
broken server, what it changes, and that it then finds the thing done. The live suite
checks the same on a real Docker; these take a second."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from installer.host import CommandResult, HttpsAnswer
from installer.lines.cht3 import facts as cht3
from installer.lines.cht3.challenge import NGINX_CONF
from installer.lines.cht3.post_setup import CompleteInstall
from installer.lines.current.steps import NoOtherLine
from installer.step import Status
from installer.steps.acme import TlsChallengeLocation
from installer.steps.admin_account import AdminPassword
from installer.steps.docker import (
    ComposeAvailable,
    DockerEnabledAtBoot,
    DockerGroup,
    DockerRepository,
    DockerRunning,
    PackagesReady,
)
from installer.steps.images import ImagesPulled
from installer.steps.os_support import OsSupported
from installer.steps.tls import TlsInstalled
from tests.fakehost import FakeContainer, FakeHost, context, ran

CURRENT = {"cht_version": "5.0.2"}


def said(argv: list[str], out: str = "", code: int = 0) -> CommandResult:
    return CommandResult(argv, code, out, "")


def test_docker_running_is_needed_until_the_daemon_answers(tmp_path: Path) -> None:
    host = FakeHost(docker_version=None)
    assert DockerRunning().probe(context(host, tmp_path)).status is Status.NEEDED
    host.docker_version = "24.0.7"
    found = DockerRunning().probe(context(host, tmp_path))
    assert found.ok and "Docker 24.0.7 is answering" in found.reason


def test_docker_group_adds_only_the_user_asked_for(tmp_path: Path) -> None:
    host = FakeHost(commands={("id", "-nG", "ana"): said(["id"], "ana sudo"),
                              ("usermod",): said(["usermod"])})
    assert DockerGroup().probe(context(host, tmp_path)).ok  # nobody asked for
    ctx = context(host, tmp_path, docker={"group_user": "ana"})
    assert DockerGroup().probe(ctx).status is Status.NEEDED
    DockerGroup().apply(ctx)
    assert ran(host) == [("run", "usermod", "-aG", "docker", "ana")]
    host.commands[("id", "-nG", "ana")] = said(["id"], "ana sudo docker")
    assert DockerGroup().probe(ctx).ok


def test_docker_group_for_a_user_who_does_not_exist_is_refused_in_words(tmp_path: Path) -> None:
    ctx = context(FakeHost(), tmp_path, docker={"group_user": "nobody-here"})
    found = DockerGroup().probe(ctx)
    assert found.status is Status.BLOCKED and "no user nobody-here" in found.reason
    assert "--docker-group-user" in found.fix
    assert '"User who may run docker without sudo" (Settings)' in found.screen_fix


def test_an_interrupted_package_installation_is_finished_first(tmp_path: Path) -> None:
    host = FakeHost(commands={("find", "/var/lib/dpkg/updates"): said(["find"], "0001\n")})
    ctx = context(host, tmp_path)
    assert PackagesReady().probe(ctx).status is Status.BROKEN
    host.commands[("find", "/var/lib/dpkg/updates")] = said(["find"])
    assert PackagesReady().probe(ctx).ok


def test_the_3x_image_runs_only_on_x86_64_the_current_line_on_arm_too(tmp_path: Path) -> None:
    refused = OsSupported().probe(context(FakeHost(), tmp_path, arch="aarch64"))
    assert refused.status is Status.BLOCKED and "x86_64" in refused.reason
    assert OsSupported().probe(context(FakeHost(), tmp_path, arch="aarch64", **CURRENT)).ok


def test_images_are_needed_until_each_is_on_the_server(tmp_path: Path) -> None:
    host = FakeHost()
    ctx = context(host, tmp_path)
    found = ImagesPulled().probe(ctx)
    assert found.status is Status.NEEDED and "medicmobile/medic-os" in found.reason
    host.images = {"medicmobile/medic-os:cht-3.9.0-rc.2", "medicmobile/haproxy:rc-1.17"}
    assert ImagesPulled().probe(ctx).ok


def test_the_certificate_is_put_into_medic_os_and_nginx_reloaded(tmp_path: Path) -> None:
    host = FakeHost(containers={"medic-os": FakeContainer("medic-os")},
                    commands={("/boot/svc-reload",): said(["/boot/svc-reload"])})
    ctx = context(host, tmp_path)
    assert TlsInstalled().probe(ctx).status is Status.NEEDED  # nothing to install yet
    host.files[ctx.paths.certificate] = b"CERT\n"
    host.files[ctx.paths.private_key] = b"KEY\n"
    assert TlsInstalled().probe(ctx).status is Status.NEEDED
    TlsInstalled().apply(ctx)
    web = ctx.line.web_server()
    assert ("put", "medic-os", web.key, "0o600") in host.actions
    assert ("exec", "medic-os", *web.reload) in host.actions
    assert TlsInstalled().probe(ctx).ok


def test_the_current_lines_certificate_goes_to_chts_nginx(tmp_path: Path) -> None:
    ctx = context(FakeHost(), tmp_path, **CURRENT)
    web = ctx.line.web_server()
    assert (web.container, web.certificate) == ("cht-nginx-1", "/etc/nginx/private/cert.pem")


def test_medic_os_is_told_to_complete_the_install_not_to_install_again(tmp_path: Path) -> None:
    # A comment that names the flag changes nothing: the command is what counts.
    script = b"# told --install=VERSION\nexec horticulturalist --install=3.9.0-rc.2 --no-daemon\n"
    medic = FakeContainer("medic-os", files={cht3.HORTI_POSTRUN: script,
                                             cht3.BOOTSTRAPPED: b""})
    host = FakeHost(containers={"medic-os": medic})
    ctx = context(host, tmp_path)
    found = CompleteInstall().probe(ctx)
    assert found.status is Status.NEEDED and "3.9.0-rc.2 again" in found.reason
    CompleteInstall().apply(ctx)
    assert medic.files[cht3.HORTI_POSTRUN].endswith(
        b"\nexec horticulturalist --complete-install --no-daemon\n")
    assert CompleteInstall().probe(ctx).ok


def test_the_current_line_is_refused_beside_a_3x_install(tmp_path: Path) -> None:
    host = FakeHost()
    ctx = context(host, tmp_path, **CURRENT)
    assert NoOtherLine().probe(ctx).ok
    host.volumes["medic-data"] = object()
    found = NoOtherLine().probe(ctx)
    assert found.status is Status.BLOCKED and "medic-data volume" in found.reason
    assert "Which CHT" in found.screen_fix


def test_the_challenge_location_is_asked_of_the_chosen_line(tmp_path: Path) -> None:
    conf = (b"http {\n  server {\n    listen 80;\n"
            b"    location / { return 301 https://$host; }\n  }\n}\n")
    medic = FakeContainer("medic-os", files={NGINX_CONF: conf})
    nginx = FakeContainer("cht-nginx-1")
    host = FakeHost(containers={"medic-os": medic, "cht-nginx-1": nginx},
                    commands={("/boot/svc-reload",): said(["/boot/svc-reload"])})
    le = {"tls": {"mode": "letsencrypt", "email": "it@example.org"}}
    assert TlsChallengeLocation().probe(context(host, tmp_path)).ok  # no Let's Encrypt
    three = context(host, tmp_path, **le)
    assert TlsChallengeLocation().probe(three).status is Status.NEEDED
    TlsChallengeLocation().apply(three)  # 3.x: cht-install adds it to medic-os's nginx.conf
    assert b"acme-challenge" in medic.files[NGINX_CONF]
    assert TlsChallengeLocation().probe(three).ok
    current = context(host, tmp_path, **le, **CURRENT)  # CHT's nginx makes it itself
    assert TlsChallengeLocation().probe(current).status is Status.NEEDED
    nginx.files["/etc/nginx/private/certbot/.well-known/x"] = b""
    assert TlsChallengeLocation().probe(current).ok


def test_the_admin_password_signs_in_as_an_admin_or_the_fix_says_where_it_is(
        tmp_path: Path) -> None:
    answers: list[HttpsAnswer] = []
    host = FakeHost(https=lambda path, auth: answers[-1])
    ctx = context(host, tmp_path)
    assert AdminPassword().probe(ctx).status is Status.NEEDED  # no .env yet
    host.files[ctx.paths.env_file] = b"DOCKER_COUCHDB_ADMIN_PASSWORD='right-one-12'\n"
    answers.append(HttpsAnswer(b"cert", 200, body=b'{"userCtx": {"name": "medic", '
                                                  b'"roles": ["_admin"]}}'))
    assert AdminPassword().probe(ctx).ok and "right-one-12" in host.secrets
    answers.append(HttpsAnswer(b"cert", 401, body=b'{"error": "unauthorized"}'))
    found = AdminPassword().probe(ctx)
    assert found.status is Status.BROKEN and str(ctx.paths.env_file) in found.fix


def test_docker_is_enabled_at_boot_through_systemd(tmp_path: Path) -> None:
    host = FakeHost(commands={("systemctl", "is-enabled"): said(["systemctl"], "disabled\n"),
                              ("systemctl", "enable"): said(["systemctl"])})
    ctx = context(host, tmp_path)
    assert ctx.platform.systemd
    found = DockerEnabledAtBoot().probe(ctx)
    assert found.status is Status.NEEDED and "disabled" in found.reason
    DockerEnabledAtBoot().apply(ctx)
    assert ran(host) == [("run", "systemctl", "enable", "docker")]
    host.commands[("systemctl", "is-enabled")] = said(["systemctl"], "enabled\n")
    assert DockerEnabledAtBoot().probe(ctx).ok


def test_docker_s_compose_plugin_alone_joins_an_engine_left_alone_for_the_current_line(
        tmp_path: Path) -> None:
    """Debian's docker.io with docker-compose v1 (cht-install's 3.x on Debian 12), answers
    now naming Docker's repository: the engine is left alone, the repository is set up and
    only its compose plugin installed (what `cht-install migrate` needs on such a server)."""
    host = FakeHost(commands={("dockerd",): said([], "Docker version 20.10.24\n"),
                              ("docker-compose", "version"): said([], "1.29.2\n"),
                              ("apt-get",): said([]), ("dpkg-query",): said([], "", 1)})
    ctx = context(host, tmp_path, docker={"source": "official"}, **CURRENT)
    assert DockerRepository().probe(ctx).status is Status.NEEDED
    three = context(host, tmp_path, docker={"source": "official"})
    assert DockerRepository().probe(three).ok  # 3.x: compose v1 does, nothing to add
    ComposeAvailable().apply(ctx)
    installs = [a for a in ran(host) if a[1:3] == ("apt-get", "install")]
    assert installs and installs[-1][-1] == "docker-compose-plugin", installs
    assert not any("docker-ce" in a for a in installs[-1]) and ctx.facts.compose == [
        "docker", "compose"]
    host.commands[("docker", "compose", "version")] = said([], "Docker Compose v2.26.1\n")
    assert "left alone" in DockerRepository().probe(ctx).reason


def test_compose_v1_is_not_started_to_learn_the_version_that_made_the_stack(
        tmp_path: Path) -> None:
    """A healthy re-run: docker-compose v1 (a Python program, most of a second to start)
    made CHT's containers and has not changed since, so their labels say its version."""
    host = FakeHost(commands={("docker-compose",): said([]),
                              ("docker-compose", "version", "--short"): said([], "1.28.0\n")})
    labels = {"com.docker.compose.project": "cht", "com.docker.compose.version": "1.29.2"}
    host.containers["medic-os"] = FakeContainer("medic-os", attrs={
        "Config": {"Labels": labels}, "Created": "2026-12-04T07:03:26.550405416Z"})
    made = datetime(2026, 12, 4, 7, 3, 26, tzinfo=timezone.utc).timestamp()
    program = Path("/usr/bin/docker-compose")
    host.changed[program] = made - 3600  # installed an hour before the stack was made
    three = context(host, tmp_path, docker={"source": "distro"})
    found = ComposeAvailable().probe(three)
    assert found.ok and "1.29.2" in found.reason, found  # the label's: compose did not run
    assert three.facts.compose == ["docker-compose"]
    for changed in (made + 60, made + 0.5):  # upgraded since, or within the same second
        host.changed[program] = changed
        assert "1.28.0" in ComposeAvailable().probe(three).reason  # asked: it changed
    host.changed[program] = made - 3600
    labels["com.docker.compose.version"] = "2.24.6"  # made by v2, which is gone now
    assert "1.28.0" in ComposeAvailable().probe(three).reason


def test_compose_v1_serves_3x_but_the_current_line_asks_for_v2(tmp_path: Path) -> None:
    host = FakeHost(commands={("docker-compose", "version", "--short"): said([], "1.29.2\n"),
                              ("docker-compose", "version"): said([], "1.29.2\n")})
    three = context(host, tmp_path, docker={"source": "distro"})
    found = ComposeAvailable().probe(three)
    assert found.ok and "1.29.2" in found.reason and three.facts.compose == ["docker-compose"]
    refused = ComposeAvailable().probe(context(host, tmp_path, docker={"source": "distro"},
                                               **CURRENT))
    assert refused.status is Status.BLOCKED and "Compose version 2" in refused.reason
    host.commands[("docker", "compose", "version", "--short")] = said([], "2.24.6\n")
    host.commands[("docker", "compose", "version")] = said([], "Docker Compose v2.24.6\n")
    assert ComposeAvailable().probe(context(host, tmp_path, **CURRENT)).ok
