"""A server that reaches the world only through an HTTP proxy: cht-install run in a network
namespace with no route out but a link to a real proxy (Debian's tinyproxy, with a user and
password) on this machine. Its fetches (CHT's build server asked for the newest release, an
alert to a webhook) go through the proxy, given in the answers or by the environment, and
fail without it; the plan, the dry-run JSON and doctor say which proxy, never its password;
doctor says when the proxy stops answering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import InstallRun
from tests.receiver import receiving

NAMESPACE = "cht-proxied"
HOST_SIDE, INSIDE = "10.231.0.1", "10.231.0.2"
PORT = 13128
USER, PASSWORD = "ops", "proxy-pass-7"
PROXY = f"http://{USER}:{PASSWORD}@{HOST_SIDE}:{PORT}"
BUILDS = "http://127.0.0.1:8082/_couch/builds_4"  # on this machine: only the proxy gets there


@dataclass
class Proxy:
    log: Path

    def asked_for(self, what: str) -> bool:
        return what in self.log.read_text(errors="replace")


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def proxy(live_env: str, tmp_path: Path) -> Iterator[Proxy]:
    """The namespace (loopback, and a link to this machine with no route beyond it) and
    tinyproxy on this machine's end of the link, asking for a user and password."""
    subprocess.run(["ip", "netns", "del", NAMESPACE], capture_output=True, check=False)
    subprocess.run(["ip", "link", "del", "cht-px0"], capture_output=True, check=False)
    ip("netns", "add", NAMESPACE)
    ip("link", "add", "cht-px0", "type", "veth", "peer", "name", "cht-px1")
    ip("link", "set", "cht-px1", "netns", NAMESPACE)
    ip("addr", "add", f"{HOST_SIDE}/30", "dev", "cht-px0")
    ip("link", "set", "cht-px0", "up")
    ip("netns", "exec", NAMESPACE, "ip", "addr", "add", f"{INSIDE}/30", "dev", "cht-px1")
    ip("netns", "exec", NAMESPACE, "ip", "link", "set", "cht-px1", "up")
    ip("netns", "exec", NAMESPACE, "ip", "link", "set", "lo", "up")
    log = tmp_path / "tinyproxy.log"
    conf = tmp_path / "tinyproxy.conf"
    conf.write_text(f"User nobody\nGroup nogroup\nPort {PORT}\nListen {HOST_SIDE}\n"
                    f"Timeout 60\nLogLevel Info\nAllow {INSIDE}\n"
                    f"BasicAuth {USER} {PASSWORD}\nConnectPort 443\n")
    # in the foreground with no log file, it logs to its standard error: kept here
    with log.open("wb") as out:
        server = subprocess.Popen(["tinyproxy", "-d", "-c", str(conf)],
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if subprocess.run(["ss", "-ltn", f"sport = :{PORT}"], capture_output=True,
                              text=True).stdout.count("LISTEN"):
                break
            time.sleep(0.1)
        yield Proxy(log)
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["ip", "link", "del", "cht-px0"], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", NAMESPACE], capture_output=True, check=False)


def inside(*args: str, env: dict[str, str] | None = None) -> InstallRun:
    """cht-install run in the namespace, as root, with ``env`` added."""
    started = time.monotonic()
    done = subprocess.run(
        ["ip", "netns", "exec", NAMESPACE, sys.executable, "-m", "installer.cli", *args],
        capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL,
        env={**{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
             **(env or {})})
    output = done.stdout + done.stderr
    print(output)
    return InstallRun(done.returncode, output, time.monotonic() - started)


def plan(root: Path, *extra: str, env: dict[str, str] | None = None) -> InstallRun:
    return inside("--dry-run", "--json", "--root", str(root), "--hostname", "cht.proxy.test",
                  "--cht-version", "latest", "--builds-url", BUILDS, *extra, env=env)


def test_the_build_server_is_asked_through_the_proxy_and_not_without_it(
        proxy: Proxy, tmp_path: Path) -> None:
    direct = plan(tmp_path)
    assert direct.returncode == 2, direct.output  # no route: the newest cannot be asked
    assert "Traceback" not in direct.output
    through = plan(tmp_path, "--proxy-http", PROXY)
    assert through.returncode in (0, 1), through.output
    found = json.loads(through.output[through.output.index("{"):])
    assert found["stack"]["version"] == "5.0.2"  # the newest release the stand-in lists
    assert found["proxy"] == {"http": f"http://{USER}:****@{HOST_SIDE}:{PORT}",
                              "https": None, "no_proxy": None, "source": "answers"}
    assert PASSWORD not in through.output
    assert proxy.asked_for("_design/builds/_view/releases")
    docker = next(step for step in found["steps"] if step["id"] == "docker.proxy")
    assert f"{USER}:****@" in docker["reason"] or docker["status"] != "ok", docker
    # the same proxy from the environment, as a shell's `export http_proxy=...` gives it
    from_env = plan(tmp_path, env={"http_proxy": PROXY})
    assert from_env.returncode in (0, 1), from_env.output
    shown = json.loads(from_env.output[from_env.output.index("{"):])["proxy"]
    assert shown["source"] == "environment" and PASSWORD not in from_env.output


def test_an_alert_goes_out_through_the_proxy_and_doctor_names_the_proxy(
        proxy: Proxy, tmp_path: Path) -> None:
    with receiving() as receiver:
        answers = tmp_path / "etc/cht-install/answers.yml"
        answers.parent.mkdir(parents=True)
        answers.write_text(yaml.safe_dump({
            "hostname": "cht.proxy.test", "alerts": {"webhook": f"{receiver.url}/hook"},
            "proxy": {"http": PROXY, "https": PROXY, "no_proxy": "localhost"}}))
        answers.chmod(0o600)
        sent = inside("alert-test", "--root", str(tmp_path))
        assert sent.returncode == 0, sent.output
        assert receiver.wait_for("test", 10) is not None
        assert proxy.asked_for(receiver.url.removeprefix("http://"))
        log = (tmp_path / "var/log/cht-install.log").read_text()
        assert PASSWORD not in log and PASSWORD not in sent.output
    report = json.loads(inside("doctor", "--json", "--root", str(tmp_path)).output)
    check = next(c for c in report["checks"] if c["id"] == "os.proxy")
    assert check["status"] == "ok" and f"{USER}:****@{HOST_SIDE}:{PORT}" in check["reason"]
    answers.write_text(answers.read_text().replace(str(PORT), str(PORT + 1)))
    report = json.loads(inside("doctor", "--json", "--root", str(tmp_path)).output)
    check = next(c for c in report["checks"] if c["id"] == "os.proxy")
    assert check["status"] == "broken" and "does not answer" in check["reason"], check
    assert "--proxy-http" in check["fix"] and PASSWORD not in json.dumps(report)
