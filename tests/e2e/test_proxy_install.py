"""A fresh install of CHT's current line on a server that reaches Debian's archive, Docker's
repository, CHT's build server, the image registry and the ACME server only through an
HTTP proxy (Debian's tinyproxy, with a user and password). The names of the repository,
build server and registry resolve for the proxy alone (tinyproxy runs with its own
/etc/hosts), as on a hospital network that gives servers no outside DNS: a direct
connection cannot find them. apt, Docker's key, the build server, the registry pre-flight,
Docker's own pulls (from a registry with its own TLS certificate, as a real mirror has) and
Let's Encrypt all go through the proxy, and its password reaches no log. The security
updates it turns on get the proxy in apt's own settings: apt run later with no proxy in its
environment (as its daily timer runs) still goes through it."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import tlsfactory as tf
from tests.e2e.conftest import TESTENV, Installed, InstallRun, cht_install, resolving

HOST = "cht.proxied.test"
NAMES = ("apt.proxy.test", "builds.proxy.test", "registry.proxy.test")
PORT = 13129
USER, PASSWORD = "ops", "proxy-pass-9"
PROXY = f"http://{USER}:{PASSWORD}@127.0.0.1:{PORT}"
REGISTRY = "registry.proxy.test:5443"
BUILDS = "http://builds.proxy.test:8082/_couch/builds_4"
UPGRADE_COMPOSE = "http://builds.proxy.test:8082/cht-upgrade-service/docker-compose.yml"
APT_REPO = "http://apt.proxy.test:8081/good"
ACME = "https://127.0.0.1:14000/dir"
STATE = Path("/var/lib/cht-testenv")
PEBBLE_CA = STATE / "acme/ca.pem"
DOCKER_TRUST = Path("/etc/docker/certs.d") / REGISTRY / "ca.crt"
APT_PROXY = Path("/etc/apt/apt.conf.d/80cht-install-proxy")


@dataclass
class World:
    """The proxy's log, the registry's CA and the trust store for pebble's certificates."""

    log: Path
    registry_ca: bytes
    acme_trust: Path

    def asked_for(self, what: str) -> bool:
        return what in self.log.read_text(errors="replace")


def resolves(name: str) -> bool:
    try:
        socket.getaddrinfo(name, None)
        return True
    except OSError:
        return False


def listening(port: int) -> bool:
    found = subprocess.run(["ss", "-ltn", f"sport = :{port}"], capture_output=True, text=True)
    return "LISTEN" in found.stdout


def started(argv: list[str], log: Path, port: int) -> subprocess.Popen[bytes]:
    # one left by a run that was killed would answer in its place, with its own CA
    assert not listening(port), f"port {port} is taken: stop what listens there"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    for _ in range(100):
        if listening(port):
            return process
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{argv[0]} did not listen on {port}: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def world(live_env: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """tinyproxy on 127.0.0.1, the only resolver of the test names; the tests' registry
    served again over TLS on 5443 under its name; pebble's trust store."""
    for name in NAMES:
        assert not resolves(name), f"{name} must not resolve here: only the proxy knows it"
    work = tmp_path_factory.mktemp("proxied")
    ca = tf.root("Registry Test CA")
    leaf = tf.leaf(ca, "registry.proxy.test")
    (work / "registry.pem").write_bytes(leaf.pem + ca.pem)
    (work / "registry.key").write_bytes(leaf.key_pem())
    (work / "registry.yml").write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {STATE / 'registry'}\nhttp:\n  addr: 127.0.0.1:5443\n"
        f"  tls:\n    certificate: {work / 'registry.pem'}\n"
        f"    key: {work / 'registry.key'}\n")
    registry = started(["docker-registry", "serve", str(work / "registry.yml")],
                       work / "registry.log", 5443)
    hosts = work / "hosts"
    hosts.write_text("127.0.0.1 localhost\n" + "".join(f"127.0.0.1 {n}\n" for n in NAMES))
    conf = work / "tinyproxy.conf"
    conf.write_text(f"User nobody\nGroup nogroup\nPort {PORT}\nListen 127.0.0.1\n"
                    f"Timeout 120\nLogLevel Info\nAllow 127.0.0.1\n"
                    f"BasicAuth {USER} {PASSWORD}\n")
    # its own mount namespace: the hosts file above is its /etc/hosts, and no one else's
    proxy = started(["unshare", "-m", "sh", "-c",
                     'mount --bind "$1" /etc/hosts && exec tinyproxy -d -c "$2"', "sh",
                     str(hosts), str(conf)], work / "tinyproxy.log", PORT)
    context = ssl.create_default_context(cafile=str(PEBBLE_CA))
    with urllib.request.urlopen("https://127.0.0.1:15000/roots/0", context=context) as answer:
        (work / "acme-trust.pem").write_bytes(PEBBLE_CA.read_bytes() + b"\n" + answer.read())
    try:
        yield World(work / "tinyproxy.log", ca.pem, work / "acme-trust.pem")
    finally:
        for process in (proxy, registry):
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="module")
def installed(world: World, fresh_install: Installed,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, InstallRun]]:
    """Docker purged, then CHT installed through the proxy alone; afterwards Docker purged
    again and the shared 3.x install made again, as the modules after this one expect."""
    subprocess.run([str(TESTENV), "purge-docker"], check=True)
    # the registry's CA where Docker looks for it (Docker's page on registry certificates):
    # what an operator does for a mirror with a private certificate
    DOCKER_TRUST.parent.mkdir(parents=True, exist_ok=True)
    DOCKER_TRUST.write_bytes(world.registry_ca)
    fingerprint = (STATE / "aptrepo/good.fpr").read_text().strip()
    root = tmp_path_factory.mktemp("proxied-server")
    try:
        with resolving(HOST):  # as pebble's DNS says: for the Let's Encrypt pre-flight
            run = cht_install(
                "--yes", "--root", str(root), "--hostname", HOST, "--accept-warnings",
                "--registry", REGISTRY, "--cht-version", "latest", "--builds-url", BUILDS,
                "--upgrade-service-url", UPGRADE_COMPOSE, "--docker-source", "official",
                "--docker-repo-url", APT_REPO, "--docker-key-fingerprint", fingerprint,
                "--proxy-http", PROXY, "--proxy-https", PROXY, "--automatic-updates", "yes",
                "--tls-mode", "letsencrypt", "--tls-email", "ops@cht-install.test",
                "--acme-directory", ACME, "--tls-trust-store", str(world.acme_trust))
            yield root, run
    finally:
        # apt's proxy goes with the proxy (the next apt run would wait for it), and the
        # security updates with it, as test_care leaves them
        APT_PROXY.unlink(missing_ok=True)
        subprocess.run(["apt-get", "purge", "-y", "-qq", "unattended-upgrades"],
                       capture_output=True, check=False)
        Path("/etc/apt/apt.conf.d/20auto-upgrades").unlink(missing_ok=True)
        subprocess.run([str(TESTENV), "purge-docker"], check=True)
        back = cht_install("--yes", "--root", str(fresh_install.root))
        assert back.returncode == 0, back.output


def served_issuer() -> str:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    from cryptography import x509

    return x509.load_der_x509_certificate(der).issuer.rfc4514_string()


def daemon_environment() -> dict[str, str]:
    pid = subprocess.run(["pgrep", "-xo", "dockerd"], capture_output=True, text=True,
                         check=True).stdout.split()[0]
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_a_fresh_install_gets_everything_through_the_proxy(
        world: World, installed: tuple[Path, InstallRun]) -> None:
    root, run = installed
    assert run.returncode == 0, run.output
    # apt (Debian's archive and Docker's repository), Docker's key, CHT's build server,
    # the registry (the pre-flight and Docker's pulls) and the ACME server: each asked
    # through the proxy; the three test names resolve nowhere else
    for asked in ("apt.proxy.test:8081", "deb.debian.org", "builds.proxy.test:8082",
                  "_design/builds/_view/releases", REGISTRY, "127.0.0.1:14000"):
        assert world.asked_for(asked), asked
    assert world.asked_for("apt.proxy.test:8081/good/linux/debian/gpg")  # Docker's key
    import docker

    client = docker.DockerClient(base_url="unix:///var/run/docker.sock", version="auto")
    try:
        pulled = {tag for image in client.images.list() for tag in image.tags}
        running = {c.name for c in client.containers.list()}
    finally:
        client.close()
    assert any(tag.startswith(f"{REGISTRY}/") for tag in pulled), pulled
    assert "cht-api-1" in running and "cht-nginx-1" in running, running
    assert daemon_environment().get("HTTPS_PROXY") == PROXY  # dockerd started with it
    assert "Pebble" in served_issuer()
    # the proxy is named, its password never
    log = (root / "var/log/cht-install.log").read_text()
    assert f"{USER}:****@127.0.0.1:{PORT}" in run.output
    assert PASSWORD not in run.output and PASSWORD not in log


def test_a_re_run_changes_nothing_and_doctor_names_the_proxy(
        world: World, installed: tuple[Path, InstallRun]) -> None:
    root, _ = installed
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0, again.output
    assert "nothing was changed" in again.output, again.output
    report: dict[str, Any] = json.loads(cht_install("doctor", "--json", "--root",
                                                    str(root)).output)
    check = next(c for c in report["checks"] if c["id"] == "os.proxy")
    assert check["status"] == "ok" and f"{USER}:****@127.0.0.1:{PORT}" in check["reason"]
    assert PASSWORD not in json.dumps(report)


def test_apts_own_runs_go_through_the_proxy_without_its_environment(
        world: World, installed: tuple[Path, InstallRun]) -> None:
    _, run = installed
    assert run.returncode == 0, run.output
    assert APT_PROXY.stat().st_mode & 0o777 == 0o600  # it holds the proxy's password
    before = len(world.log.read_bytes())
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}  # as apt's timer runs it
    update = subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True,
                            text=True, timeout=600, check=False)
    assert update.returncode == 0, update.stderr
    asked = world.log.read_bytes()[before:].decode(errors="replace")
    assert "deb.debian.org" in asked and "apt.proxy.test" in asked, asked[-2000:]
