"""Faults with clear findings, on real resources: the registry stopping mid-pull, DNS
that does not resolve, a full disk, a Docker daemon that refuses to start, answers that
would move CHT's data; and the admin password never in the process list."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import (
    HOSTNAME,
    REGISTRY,
    SLOW,
    TESTENV,
    Installed,
    applied,
    cht_install,
    doctor,
    install_args,
    marker_survives,
    not_ok,
    with_known_password,
)
from tests.e2e.throttle import SlowLink

IMAGE_BYTES = 2 * 36_000_000  # the two stand-in images, compressed (about)


def stop_registry() -> None:
    subprocess.run(["pkill", "-f", "docker-registry serve"], check=False)
    for _ in range(50):
        if subprocess.run(["pgrep", "-f", "docker-registry serve"],
                          capture_output=True).returncode:
            return
        time.sleep(0.1)
    raise AssertionError("the registry did not stop")


def start_registry() -> None:
    subprocess.run([str(TESTENV), "up"], check=True, capture_output=True)


def start_install(root: Path, log: Path) -> subprocess.Popen[bytes]:
    import sys

    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "installer.cli", *install_args(root)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


@contextmanager
def registry_stopped_mid_pull(root: Path, out: Path) -> Iterator[tuple[Any, SlowLink]]:
    """An install pulling through the slow link; 10 MB in, the registry is stopped."""
    with SlowLink() as link:
        run = start_install(root, out)
        deadline = time.monotonic() + 120
        while link.carried < 10_000_000:
            assert time.monotonic() < deadline, "the pull never started"
            time.sleep(0.1)
        stop_registry()
        yield run, link


def test_the_registry_stopping_mid_pull_is_retried_and_the_pull_goes_on(
    slow_server: Path, docker_client: Any, tmp_path: Path
) -> None:
    with registry_stopped_mid_pull(slow_server, tmp_path / "out.txt") as (run, link):
        time.sleep(4)
        start_registry()
        assert run.wait(timeout=600) == 0, (tmp_path / "out.txt").read_text()
        carried = link.carried
    output = (tmp_path / "out.txt").read_text()
    assert "CHT answers at https://" in output
    assert carried < 2 * IMAGE_BYTES, f"the pull started over: {carried} bytes"
    marker_survives(docker_client)


def test_the_registry_gone_for_good_gives_a_clear_error_after_backing_off(
    slow_server: Path, docker_client: Any, tmp_path: Path
) -> None:
    with registry_stopped_mid_pull(slow_server, tmp_path / "out.txt") as (run, _):
        assert run.wait(timeout=600) == 1
        output = (tmp_path / "out.txt").read_text()
        assert "trying again in 3 s" in output and "trying again in 6 s" in output, output
        # the link accepts and then drops each connection, as a proxy or a load balancer
        # in front of a stopped registry does
        assert f"could not pull {SLOW}/medicmobile/medic-os:cht-3.9.0-rc.2 from {SLOW} " \
               f"after 4 tries: {SLOW} closed the connection" in output, output
        assert "Traceback" not in output and "http+docker" not in output
        start_registry()
        again = cht_install("--yes", "--root", str(slow_server))
    assert again.returncode == 0, again.output


def test_a_registry_name_that_does_not_resolve_is_a_dns_finding(
    fresh_install: Installed, healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    before = docker_client.containers.get("medic-os").id
    root = with_known_password(fresh_install, tmp_path / "server")
    run = cht_install("--yes", "--registry", "registry.cht-e2e.invalid:5000", "--root",
                      str(root), "--hostname", HOSTNAME, "--accept-warnings",
                      "--docker-source", "distro")
    assert run.returncode == 1
    assert "the registry's name registry.cht-e2e.invalid does not resolve (DNS)" in run.output
    assert "getent hosts registry.cht-e2e.invalid" in run.output
    assert docker_client.containers.get("medic-os").id == before  # untouched
    marker_survives(docker_client)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_reported_as_such_and_the_next_run_goes_on(
    fresh_install: Installed, healthy: Path, docker_client: Any, small_disk: Path
) -> None:
    root = with_known_password(fresh_install, small_disk / "server")
    filler = small_disk / "filler"
    with filler.open("wb") as handle:  # fill it, leaving 32 KiB
        free = subprocess.run(["stat", "-f", "-c", "%a %S", str(small_disk)],
                              capture_output=True, text=True, check=True).stdout.split()
        handle.write(b"\0" * (int(free[0]) * int(free[1]) - 32 * 1024))
    run = cht_install("--yes", "--root", str(root), "--registry", "127.0.0.1:5000",
                      "--hostname", HOSTNAME, "--accept-warnings", "--docker-source", "distro")
    assert run.returncode == 1, run.output
    assert "is full" in run.output and "no space left on device" in run.output
    assert "Traceback" not in run.output and "Errno" not in run.output
    assert "docker system prune" in run.output  # the fix
    filler.unlink()
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0, again.output
    marker_survives(docker_client)


def test_a_docker_daemon_that_refuses_to_start_shows_its_log(
    healthy: Path, docker_client: Any
) -> None:
    config = Path("/etc/docker/daemon.json")
    assert not config.exists()
    config.parent.mkdir(exist_ok=True)
    config.write_text(json.dumps({"no-such-option": True}))
    try:
        subprocess.run(["pkill", "-x", "dockerd"], check=False)
        while subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert "docker.running" in not_ok(doctor(healthy))
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 1
        assert "no-such-option" in run.output, run.output  # the daemon's own words
        assert "/var/log/dockerd.log" in run.output
    finally:
        config.unlink()
    again = cht_install("--yes", "--root", str(healthy))
    assert again.returncode == 0, again.output
    marker_survives(docker_client)


def test_a_repair_while_docker_is_still_shutting_down_waits_for_it(
    healthy: Path, docker_client: Any
) -> None:
    """Stopping containers can take a while (here one whose process ignores SIGTERM: Docker
    waits 10 s, then kills it); a second dockerd started meanwhile fails with "pid file
    found". The repair waits for the old one to exit."""
    image = f"{REGISTRY}/medicmobile/haproxy:rc-1.17"
    slow = docker_client.containers.run(image, ["infinity"], entrypoint="sleep", detach=True,
                                        name="slow-to-stop", stop_signal="SIGTERM")
    try:
        subprocess.run(["pkill", "-x", "dockerd"], check=True)
        time.sleep(1)
        assert subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode == 0
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 0, run.output
        assert "is still shutting down" in run.output, run.output
        assert "pid file found" not in run.output
    finally:
        import docker as docker_sdk

        client = docker_sdk.DockerClient(base_url="unix:///var/run/docker.sock")
        client.containers.get(slow.name).remove(force=True)
    marker_survives(docker_client)


def test_answers_that_would_move_the_data_are_refused(
    healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    before = docker_client.containers.get("medic-os").id
    compose = (healthy / "opt/cht/docker-compose.yml").read_text()
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump({"data": str(tmp_path / "elsewhere")}))
    run = cht_install("--yes", "--answers", str(answers), "--root", str(healthy))
    assert run.returncode == 1
    assert "CHT's data is in medic-data" in run.output
    assert "will not do it" in run.output
    assert docker_client.containers.get("medic-os").id == before
    assert (healthy / "opt/cht/docker-compose.yml").read_text() == compose
    assert docker_client.volumes.get("medic-data")
    marker_survives(docker_client)
    # the refused answers were not kept: the next plain run is healthy and changes nothing
    again = cht_install("--yes", "--root", str(healthy))
    assert again.returncode == 0 and "nothing was changed" in again.output, again.output


def test_the_admin_password_never_shows_in_the_process_list_logs_or_journal(
    fresh_install: Installed, healthy: Path, docker_client: Any, tmp_path: Path
) -> None:
    password = (healthy / "opt/cht/.env").read_text().split("=", 1)[1].strip().strip("'")
    assert len(password) >= 8
    for name in ("medic-os", "haproxy"):
        docker_client.containers.get(name).remove(force=True)
    answers = tmp_path / "answers.yml"
    answers.write_text(yaml.safe_dump({"admin_password": password}))
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if password in text:
                    seen.append(text)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        root = tmp_path / "server"
        run = cht_install("--yes", "--answers", str(answers), "--root", str(root),
                          "--registry", "127.0.0.1:5000", "--hostname", HOSTNAME,
                          "--accept-warnings", "--docker-source", "distro")
    finally:
        done.set()
        watcher.join()
    assert run.returncode == 0, run.output
    assert "cht.running" in applied(root)  # it did real work (compose up, certificate ...)
    assert seen == []
    assert password not in run.output
    for path in (root / "var/log/cht-install.log", root / "var/lib/cht-install/journal.jsonl",
                 root / "etc/cht-install/answers.yml"):
        assert password not in path.read_text(), path
    env = root / "opt/cht/.env"
    assert password in env.read_text() and env.stat().st_mode & 0o777 == 0o600
    marker_survives(docker_client)
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0  # its own cert back


def test_a_program_on_the_https_port_is_named_with_the_ways_out(
    healthy: Path, docker_client: Any
) -> None:
    import os
    import socket

    docker_client.containers.get("medic-os").stop(timeout=5)
    with socket.create_server(("0.0.0.0", 443)) as squatter:  # what nginx on the host does
        squatter.listen()
        assert "cht.running" in not_ok(doctor(healthy))
        run = cht_install("--yes", "--root", str(healthy))
        assert run.returncode == 1
        assert "port 443 is used by" in run.output and f"pid {os.getpid()}" in run.output
        assert "--https-port" in run.output  # the documented alternative
        assert docker_client.containers.get("medic-os").status == "exited"  # left as it was
    again = cht_install("--yes", "--root", str(healthy))
    assert again.returncode == 0, again.output
    marker_survives(docker_client)
