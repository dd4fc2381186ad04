"""The live test environment, built once per run: a fresh host, a real registry, a real install.

Nothing here skips: if the environment cannot be set up, the tests fail.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTENV = REPO / "scripts" / "testenv"
REGISTRY = "127.0.0.1:5000"
HOSTNAME = "cht.e2e.test"


# medic-os's nginx.conf offers only RSA suites with SHA-1 MACs up to TLS 1.2
# (ECDHE-RSA-AES256-SHA ...): phones negotiate them; Python's default client does not.
PHONE_CIPHERS = "DEFAULT:@SECLEVEL=1"


def phone_context(cafile: str | None = None, cadata: str | None = None) -> ssl.SSLContext:
    """A TLS client that offers what a phone offers; verifies when given cafile/cadata."""
    context = ssl.create_default_context(cafile=cafile, cadata=cadata)
    context.set_ciphers(PHONE_CIPHERS)
    if cafile is None and cadata is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class InstallRun:
    returncode: int
    output: str
    seconds: float


@dataclass(frozen=True)
class Installed:
    root: Path
    first: InstallRun
    second: InstallRun


def cht_install(*args: str, timeout: float = 1800, given: str | None = None) -> InstallRun:
    """cht-install run to its end, with ``given`` as its input (else none)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "installer.cli", *args], capture_output=True, text=True,
        timeout=timeout, check=False,
        **({"input": given} if given is not None else {"stdin": subprocess.DEVNULL}),
    )
    output = done.stdout + done.stderr
    print(output)
    return InstallRun(done.returncode, output, time.monotonic() - started)


def applied(root: Path, run: int = -1) -> tuple[str, ...]:
    """The steps a run changed, by id, as cht-install's journal records them (the screens
    and --yes say them in words): the last run, or the given one (0: the first)."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for line in (root / "var/lib/cht-install/journal.jsonl").read_text().splitlines():
        entry = json.loads(line)
        runs.setdefault(entry["run"], []).append(entry)
    finished = [e for e in list(runs.values())[run] if e["event"] == "RunFinished"]
    return tuple(finished[-1]["applied"]) if finished else ()


@contextmanager
def resolving(host: str) -> Iterator[None]:
    """The test host name resolves to 127.0.0.1 here, as the CA's DNS (pebble-challtestsrv)
    says, for the installer's pre-flight look-up."""
    hosts = Path("/etc/hosts")
    before = hosts.read_text()
    hosts.write_text(before + f"\n127.0.0.1 {host}\n")
    try:
        yield
    finally:
        hosts.write_text(before)


def renew_while_polling(root: Path, ask: Any) -> tuple[InstallRun, int, list[str]]:
    """`cht-install renew-cert --force` while ``ask()`` (one HTTPS request, as a phone makes
    it) runs in a loop: the run, how many requests were answered, and the failures."""
    import threading

    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal answered
        deadline = time.monotonic() + 300
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                ask()
                answered += 1
            except Exception as exc:
                failures.append(repr(exc))
            time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        renewal = cht_install("renew-cert", "--force", "--root", str(root))
        time.sleep(1)
    finally:
        stop.set()
        poller.join()
    print(f"renewal: {answered} HTTPS requests answered, {len(failures)} failed")
    return renewal, answered, failures


@pytest.fixture(scope="session")
def live_env() -> str:
    if os.geteuid() != 0:
        pytest.fail("the end-to-end tests install Docker: run them as root (scripts/test does)")
    subprocess.run([str(TESTENV), "up"], check=True)
    return REGISTRY


@pytest.fixture(scope="session")
def fresh_install(live_env: str, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Purge Docker, then install CHT headless from scratch, then run it again."""
    subprocess.run([str(TESTENV), "purge-docker"], check=True)
    assert shutil.which("dockerd") is None, "the host still has a Docker engine"
    root = tmp_path_factory.mktemp("server")
    first = cht_install("--yes", "--registry", live_env, "--root", str(root),
                        "--hostname", HOSTNAME, "--accept-warnings", "--docker-source", "distro")
    second = cht_install("--yes", "--root", str(root))
    print(f"e2e: install {first.seconds:.1f} s, no-op re-run {second.seconds:.1f} s")
    return Installed(root, first, second)


def with_known_password(installed: Installed, root: Path) -> Path:
    """A new server root that knows the admin password of the database already on this
    host, as an operator re-installing on it would (cht-install never invents one)."""
    env = root / "opt/cht/.env"
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_bytes((installed.root / "opt/cht/.env").read_bytes())
    env.chmod(0o600)
    return root


@pytest.fixture(scope="session")
def docker_client(fresh_install: Installed) -> Iterator[Any]:
    import docker

    client = docker.DockerClient(base_url="unix:///var/run/docker.sock", version="auto")
    yield client
    client.close()


MARKER = "/srv/cht-install-test-marker"


def doctor(root: Path) -> dict[str, Any]:
    run = cht_install("doctor", "--json", "--root", str(root))
    report: dict[str, Any] = json.loads(run.output)
    assert run.returncode == (0 if report["healthy"] else 1)
    return report


def not_ok(report: dict[str, Any]) -> dict[str, str]:
    """What doctor says is wrong: install steps and Considerations alike."""
    rows = [*report["steps"], *report["checks"]]
    return {s["id"]: s["reason"] for s in rows if s["status"] not in ("ok", "warning")}


@pytest.fixture(scope="module")
def healthy(fresh_install: Installed, docker_client: Any) -> Path:
    root = fresh_install.root
    converge = cht_install("--yes", "--root", str(root))
    assert converge.returncode == 0, converge.output
    code, _ = docker_client.containers.get("medic-os").exec_run(
        ["sh", "-c", f"echo precious > {MARKER}"])
    assert code == 0
    return root


def marker_survives(client: Any) -> None:
    code, out = client.containers.get("medic-os").exec_run(["cat", MARKER])
    assert code == 0 and out.decode().strip() == "precious"


SLOW = "127.0.0.1:5001"  # tests/e2e/throttle.py's slow link to the registry


def forget_cht_images(client: Any) -> None:
    """Remove CHT's containers (not its volume) and images, layers and all, so that the
    next pull downloads every byte."""
    for name in ("medic-os", "haproxy"):
        try:
            client.containers.get(name).remove(force=True)
        except Exception:
            pass
    for image in client.images.list():
        for tag in image.tags:
            if "/medicmobile/" in tag:
                client.images.remove(tag, force=True)
    client.images.prune(filters={"dangling": False})  # and any layer left unreferenced


def install_args(root: Path) -> list[str]:
    """A first install of a server root that pulls through the slow link."""
    return ["--yes", "--registry", SLOW, "--root", str(root), "--hostname", HOSTNAME,
            "--accept-warnings", "--docker-source", "distro"]


@pytest.fixture
def slow_server(fresh_install: Installed, healthy: Path, docker_client: Any,
                tmp_path: Path) -> Iterator[Path]:
    """A server root whose install pulls every byte through the slow link (long enough to
    break on purpose); afterwards the registry is up and the shared install healthy."""
    forget_cht_images(docker_client)
    yield with_known_password(fresh_install, tmp_path / "server")
    subprocess.run([str(TESTENV), "up"], check=True, capture_output=True)
    forget_cht_images(docker_client)
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0


def session(password: str, port: int = 443, host: str = HOSTNAME) -> tuple[int, dict[str, Any]]:
    """GET /_session through CHT's nginx with HTTP basic auth, as an admin's browser would:
    the status and the JSON body."""
    import base64
    import socket

    token = base64.b64encode(f"medic:{password}".encode()).decode()
    request = (f"GET /_session HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {token}"
               "\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(request.encode())
            reply = b""
            while chunk := tls.recv(65536):
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def signs_in(password: str, host: str = HOSTNAME) -> bool:
    """medic signs in as a CouchDB admin with this password (session() on 443); a proxy
    error page (not JSON) is not a sign-in."""
    try:
        status, body = session(password, host=host)
    except ValueError:
        return False
    user = body.get("userCtx", {}) if status == 200 else {}
    return bool(user.get("name") == "medic" and "_admin" in user.get("roles", []))


PASSWORD_NOTE = "var/lib/cht-install/password-change.json"


def killed_in(root: Path, args: list[str], step: str, delay: float,
              given: str | None = None) -> str:
    """Start cht-install with ``args`` (and ``given`` as its input) and SIGKILL it, and what
    it started, ``delay`` seconds into ``step``, or as the step ends if sooner; where the
    kill landed (the last step started)."""
    import signal

    journal = root / "var/lib/cht-install/journal.jsonl"
    offset = journal.stat().st_size if journal.exists() else 0
    run = subprocess.Popen([sys.executable, "-m", "installer.cli", *args, "--root", str(root)],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    assert run.stdin is not None
    if given is not None:
        run.stdin.write(given.encode())
    run.stdin.close()

    def journaled() -> str:
        if not journal.exists():
            return ""
        with journal.open() as handle:
            handle.seek(offset)
            return handle.read()

    deadline = time.monotonic() + 600
    while f'"StepStarted", "step_id": "{step}"' not in (text := journaled()):
        assert run.poll() is None, f"the run ended before {step}:\n{text[-2000:]}"
        assert time.monotonic() < deadline, f"{step} never started"
        time.sleep(0.01)
    kill_at = time.monotonic() + delay
    ended = (f'"StepDone", "step_id": "{step}"', f'"StepFailed", "step_id": "{step}"')
    while time.monotonic() < kill_at and not any(mark in journaled() for mark in ended):
        time.sleep(0.005)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    started = [json.loads(line) for line in journaled().splitlines()
               if '"StepStarted"' in line]
    return str(started[-1]["step_id"])


def password_change_killed(root: Path, step: str, delay: float, password: str) -> str:
    """`cht-install password` given ``password``, killed ``delay`` seconds into ``step``."""
    return killed_in(root, ["password"], step, delay, f"{password}\n")


# Where a password change is killed, and how long its step usually takes (seconds): the
# delay into it is drawn from a seed, as for the install's kills (test_survival.py).
PASSWORD_KILLS = [("password.kept", 0.02), ("password.couchdb", 0.5), ("password.env", 0.05),
                  ("cht.running", 15.0), ("cht.admin-password", 0.5), ("password.done", 0.05)]
PASSWORD_KILL_SEED = int(os.environ.get("CHT_KILL_SEED", "20261203"))


def password_kills_converge(root: Path, password_of: Any, host: str = HOSTNAME) -> str:
    """A password change killed at each of PASSWORD_KILLS, then `cht-install password`
    typed again with the same password: each time the new one is the password everywhere
    and the change's note is gone. The tally, one line per kill."""
    import random

    rng = random.Random(PASSWORD_KILL_SEED)
    tally = [f"seed {PASSWORD_KILL_SEED}"]
    for number, (step, length) in enumerate(PASSWORD_KILLS):
        wanted = f"killed-at-{number}-then-again"
        delay = round(rng.uniform(0, length), 3)
        landed = password_change_killed(root, step, delay, wanted)
        again = cht_install("password", "--root", str(root), given=f"{wanted}\n")
        assert again.returncode == 0, (step, delay, landed, again.output)
        assert password_of(root) == wanted and signs_in(wanted, host), (step, delay)
        assert not (root / PASSWORD_NOTE).exists()
        tally.append(f"  kill {delay:6.3f} s into {step:<18} landed in {landed:<18} converged")
    print("\n".join(tally))
    return "\n".join(tally)
