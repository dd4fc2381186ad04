"""Over real SSH: sshd on 127.0.0.1 with throw-away keys, `ssh -tt` inside tmux, the TUI
driven with send-keys and read with capture-pane: the whole flow at 80x24, a user who
forgot sudo, a sudo password prompt, and terminals without UTF-8 or colour at 60x20."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import HOSTNAME, REPO, Installed, marker_survives, with_known_password
from tests.e2e.tmux import Tmux

PORT = 2222
OPERATOR = "chtop"
OPERATOR_PASSWORD = "Operator-Pass-123"


@dataclass(frozen=True)
class Ssh:
    key: Path

    def command(self, user: str, remote: str, term: str = "xterm-256color") -> str:
        ssh = ["ssh", "-tt", "-i", str(self.key), "-p", str(PORT), "-o", "BatchMode=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", f"{user}@127.0.0.1", remote]
        return f"TERM={term} {shlex.join(ssh)}"


@pytest.fixture(scope="module")
def sshd(live_env: str) -> Iterator[Ssh]:
    """sshd on 127.0.0.1:2222 with a throw-away host key; root and a sudo-capable
    operator log in with a throw-away client key; cht-install is bootstrapped."""
    # not under pytest's private tmp: sshd reads the keys as the user logging in
    here = Path(tempfile.mkdtemp(prefix="cht-sshd-"))
    here.chmod(0o755)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(here / name)],
                       check=True)
    if subprocess.run(["id", OPERATOR], capture_output=True).returncode:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", "-G", "sudo", OPERATOR], check=True)
    subprocess.run(["chpasswd"], input=f"{OPERATOR}:{OPERATOR_PASSWORD}", text=True, check=True)
    keys = here / "authorized_keys"
    keys.write_text((here / "client.pub").read_text())
    keys.chmod(0o644)
    config = here / "sshd_config"
    config.write_text(f"""Port {PORT}
ListenAddress 127.0.0.1
HostKey {here / 'host'}
PidFile {here / 'sshd.pid'}
AuthorizedKeysFile {keys}
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM yes
""")
    Path("/run/sshd").mkdir(exist_ok=True)
    boot = subprocess.run([str(REPO / "scripts/bootstrap")], capture_output=True, text=True)
    assert boot.returncode == 0, boot.stderr
    daemon = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                              stderr=subprocess.PIPE)
    ssh = Ssh(here / "client")
    for _ in range(50):
        probe = subprocess.run(shlex.split(ssh.command("root", "true"))[1:],
                               capture_output=True)
        if probe.returncode == 0:
            break
        time.sleep(0.2)
    else:
        daemon.kill()
        raise AssertionError(f"sshd did not come up: {probe.stderr!r}")
    yield ssh
    daemon.terminate()
    daemon.wait(10)
    shutil.rmtree(here, ignore_errors=True)


@pytest.fixture
def screen() -> Iterator[list[Tmux]]:
    opened: list[Tmux] = []
    yield opened
    for term in opened:
        term.close()


def test_the_readmes_first_command_over_ssh_walks_the_whole_tui_at_80x24(
    sshd: Ssh, screen: list[Tmux], fresh_install: Installed, healthy: Path,
    docker_client: Any, tmp_path: Path
) -> None:
    root = with_known_password(fresh_install, tmp_path / "server")
    count = tmp_path / "bytes"
    # the README's first command, as typed on the server
    remote = f"cd {shlex.quote(str(REPO))} && " + shlex.join([
        "env", f"CHT_INSTALL_COUNT_BYTES={count}", "scripts/run", "--root", str(root),
        "--hostname", HOSTNAME, "--registry", "127.0.0.1:5000", "--docker-source", "distro"]
    ) + '; echo "the command ended with status $?"'
    term = Tmux(sshd.command("root", remote))
    screen.append(term)
    term.wait_for("Welcome to cht-install", 60)
    term.keys("Enter")
    shown = term.wait_for("Disk type", 60)  # the checks have run
    if "accept" in shown:
        term.keys("a")
    term.keys("Enter")
    shown = term.wait_for("Settings", 30)
    assert HOSTNAME in shown
    term.keys("C-n")
    shown = term.wait_for("steps to install", 120)
    # the first screenful of the plan (the rest is scrolled to)
    assert "Docker engine is installed" in shown and "Docker pulls through the proxy" in shown
    term.keys("w")
    assert "Why this matters" in term.wait_for("Why this matters", 10)
    term.keys("Escape", "i")
    shown = term.wait_for("CHT is installed", 600)
    # the step list has scrolled to its end (the steps after the install): the summary says
    # what this run did, and the compose file it wrote is there
    assert re.search(r"CHT is installed \(\d+ steps? done\)", shown), shown
    assert (root / "opt/cht/docker-compose.yml").is_file()
    term.keys("Enter")
    shown = term.wait_for("What next:", 60)
    assert f"Address:     https://{HOSTNAME}/" in shown
    assert "User:        medic" in shown
    assert "Certificate: expires" in shown
    assert "PgDn More" in shown  # the page is taller than 24 lines, and says how to see it
    for _ in range(60):  # the checklist is checked again first: page down until it shows
        shown = term.screen()
        if "Restarts:" in shown:
            break
        term.keys("NPage")
        time.sleep(1)
    shown = term.wait_for("Restarts:", 5)
    assert "[done]  Restarts: Docker starts at boot" in shown
    term.keys("q")
    # the TUI ended with status 0, said by the remote shell (tmux may be slow to mark the
    # pane dead once ssh has gone)
    term.wait_for("the command ended with status 0", 60)
    written = int(count.read_text())
    print(f"ssh: bytes written to the terminal for the whole TUI flow: {written}")
    assert 0 < written < 2_000_000
    marker_survives(docker_client)


def test_a_user_without_sudo_is_told_how_then_sudo_asks_for_the_password(
    sshd: Ssh, screen: list[Tmux], healthy: Path
) -> None:
    # sshd's AuthorizedKeysFile is one file for every user: the operator logs in too
    term = Tmux(sshd.command(OPERATOR, "bash -l"))
    screen.append(term)
    time.sleep(1.5)
    term.type("cht-install --root " + str(healthy))
    term.keys("Enter")
    shown = term.wait_for("cht-install has to run as root", 20)
    assert f"sudo cht-install --root {healthy}" in shown
    term.type(f"sudo cht-install doctor --root {healthy}")
    term.keys("Enter")
    term.wait_for("password for", 20)
    term.type(OPERATOR_PASSWORD)
    term.keys("Enter")
    term.wait_for("Check again", 120)  # the doctor screen, after sudo's prompt
    term.wait_for("Docker engine is running: Docker", 120)  # root could read everything
    term.keys("q")


@pytest.mark.parametrize(("term_type", "lang"), [("vt100", "C"), ("linux", "C"),
                                                 ("xterm", "C.UTF-8")])
def test_small_and_plain_terminals_stay_readable(
    sshd: Ssh, screen: list[Tmux], healthy: Path, term_type: str, lang: str
) -> None:
    remote = shlex.join(["env", f"LANG={lang}", "cht-install", "--root", str(healthy)])
    term = Tmux(sshd.command("root", remote, term=term_type), cols=60, rows=20)
    screen.append(term)
    keys = ("q Quit", "esc Back", "^n Next")  # a page is read once its keys are drawn too
    term.wait_for("Start checks", 60)
    pages = [term.wait_for_any(*keys, timeout=10)]
    term.keys("Enter")
    term.wait_for("Disk type", 60)
    pages.append(term.wait_for_any(*keys, timeout=10))
    if "a Accept warnings" in pages[-1]:  # offered only while not accepted yet
        term.keys("a")
    term.keys("Enter")
    term.wait_for("Host name", 30)  # the settings ("esc Back" is on the system check too)
    pages.append(term.wait_for("esc Back", 10))  # ... and its keys drawn
    term.keys("NPage")  # the settings page is taller than 20 lines: its TLS choice is below
    term.wait_for("Self-signed", 30)
    pages.append(term.wait_for_any(*keys, timeout=10))
    term.keys("C-n")
    # a server that has CHT: the plan's key repairs, or checks again when all is fine
    pages.append(term.wait_for_any("i Repair", "i Check again", timeout=120))
    assert "i Install" not in pages[-1]
    for page in pages:
        lines = page.splitlines()
        assert len(lines) <= 20 and all(len(line) <= 60 for line in lines)
        if lang == "C":
            assert page.isascii(), page  # no box drawing or symbols it cannot show
        assert any(key in page for key in keys), page
    if lang == "C":
        assert "[ ] CHT 5.x / 4.x" in pages[2]  # the line not chosen, shown without colour
        assert "[*] Self-signed" in pages[3] and "[ ] My own certificate" in pages[3]
    else:
        assert "▐ ▌ CHT 5.x / 4.x" in pages[2]
        assert "●▌ Self-signed" in pages[3]
    term.keys("q")
