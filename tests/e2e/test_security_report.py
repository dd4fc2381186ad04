"""doctor's security report from the real tools: nftables and ufw rules made in network
namespaces this test creates, `sshd -T` on configurations written here, lsblk on this
machine's disk. Report only: the firewall and SSH are never changed by cht-install."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from installer import security
from installer.host import CommandResult, RealHost
from installer.step import Status

LSBLK = Path(__file__).parent.parent / "data/lsblk"
REPO = Path(__file__).resolve().parents[2]


class InNamespace(RealHost):
    """The installer's own probes, run inside a network namespace (its firewall)."""

    def __init__(self, log: Path, namespace: str) -> None:
        super().__init__(log)
        self.namespace = namespace

    def query(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        return super().query(["ip", "netns", "exec", self.namespace, *argv], timeout)


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"cht-fw-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], check=False)


def nft(namespace: str, rules: str) -> None:
    subprocess.run(["ip", "netns", "exec", namespace, "nft", "-f", "-"], input=rules,
                   text=True, check=True)


def test_no_firewall_is_a_warning_with_the_commands(namespace: str, tmp_path: Path) -> None:
    host = InNamespace(tmp_path / "log", namespace)
    if shutil.which("ufw"):  # an installed but inactive ufw is not a firewall
        assert "inactive" in host.query(["ufw", "status"]).stdout
    check = security.firewall(host, 80, 443)
    assert check.finding.status is Status.WARNING
    assert "no host firewall" in check.finding.reason
    assert "ufw allow OpenSSH" in check.finding.fix


def test_nftables_rules_are_read_with_what_they_let_in(namespace: str, tmp_path: Path) -> None:
    nft(namespace, """
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iif lo accept
    tcp dport 22 accept
    tcp dport { 80, 443 } accept
    udp dport 51820 accept
  }
}""")
    host = InNamespace(tmp_path / "log", namespace)
    check = security.firewall(host, 80, 443)
    assert check.finding.status is Status.OK, check.finding
    assert check.finding.reason == "nftables is on and lets in 22/tcp, 80/tcp, 443/tcp, " \
                                   "51820/udp"
    nft(namespace, "flush ruleset")
    nft(namespace, """
table ip filter {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 accept
    drop
  }
}""")
    shut = security.firewall(host, 80, 443)
    assert shut.finding.status is Status.WARNING
    assert "lets in 22/tcp, not 80/tcp and 443/tcp" in shut.finding.reason
    assert "nft add rule inet filter input tcp dport 443 accept" in shut.finding.fix


@pytest.fixture
def ufw() -> Iterator[str]:
    if not shutil.which("ufw"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "ufw"], check=True,
                       capture_output=True, env={"DEBIAN_FRONTEND": "noninteractive",
                                                 "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    yield "ufw"


def test_ufw_rules_are_read_with_what_they_let_in(namespace: str, ufw: str,
                                                  tmp_path: Path) -> None:
    def run(*argv: str) -> None:
        subprocess.run(["ip", "netns", "exec", namespace, ufw, *argv], check=True,
                       capture_output=True)

    try:
        run("allow", "22/tcp")
        run("allow", "443/tcp")
        run("--force", "enable")
        host = InNamespace(tmp_path / "log", namespace)
        check = security.firewall(host, 80, 443)
        assert check.finding.status is Status.WARNING
        assert check.finding.reason.startswith("ufw is on and lets in 22/tcp, 443/tcp, not "
                                               "80/tcp")
        assert "sudo ufw allow 80/tcp" in check.finding.fix
        run("allow", "80/tcp")
        assert security.firewall(host, 80, 443).finding.status is Status.OK
    finally:
        run("--force", "reset")  # ufw keeps its state in /etc/ufw: leave it as it was


def sshd_t(tmp_path: Path, settings: str) -> Path:
    key = tmp_path / "host_key"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
    config = tmp_path / f"sshd_config-{uuid.uuid4().hex[:4]}"
    config.write_text(f"HostKey {key}\n{settings}\n")
    return config


# What doctor's SSH check says, run in a mount namespace of the test's own whose /run is a
# fresh tmpfs: with /run/sshd (SSH started, as after a connection or on Debian) or without
# it (Ubuntu 22.10+'s socket-activated SSH before its first connection). The machine's own
# /run is never touched, whatever an earlier test or a running sshd left in it.
IN_RUN = ('mount -t tmpfs -o mode=0755 cht-test /run && '
          '{ [ "$1" = without ] || mkdir /run/sshd; } && shift && exec "$@"')
CHECK = """
import json, sys
from pathlib import Path
from installer import security
from installer.host import RealHost

class NoUnshare(RealHost):
    def which(self, name):
        return None if name == "unshare" else super().which(name)

config, log, unshare = sys.argv[1:]
host = (RealHost if unshare == "yes" else NoUnshare)(Path(log))
check = security.ssh_root_password(host, Path(config))
print(json.dumps({"status": check.finding.status.value, "reason": check.finding.reason,
                  "fix": check.finding.fix}))
"""


def ssh_check(tmp_path: Path, config: Path, run_sshd: bool, unshare: bool = True
              ) -> dict[str, str]:
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", IN_RUN, "sh",
         "with" if run_sshd else "without", sys.executable, "-c", CHECK, str(config),
         str(tmp_path / "log"), "yes" if unshare else "no"],
        capture_output=True, text=True, check=False, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    said: dict[str, str] = json.loads(done.stdout)
    return said


@pytest.mark.parametrize("run_sshd", [True, False], ids=["run-sshd", "socket-activated"])
@pytest.mark.parametrize(("settings", "status"), [
    ("PermitRootLogin yes\nPasswordAuthentication yes", Status.WARNING),
    ("PermitRootLogin yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no",
     Status.OK),
    ("PermitRootLogin prohibit-password\nPasswordAuthentication yes", Status.OK),
    ("PermitRootLogin no", Status.OK),
])
def test_ssh_root_password_logins_from_sshd_effective_settings(
        tmp_path: Path, settings: str, status: Status, run_sshd: bool) -> None:
    said = ssh_check(tmp_path, sshd_t(tmp_path, settings), run_sshd)
    assert said["status"] == status.value, said
    if status is Status.WARNING:
        assert "PermitRootLogin prohibit-password" in said["fix"]
    log = (tmp_path / "log").read_text()
    assert ("unshare" in log) is not run_sshd  # the namespace only where it is needed


def test_ssh_that_cannot_be_read_is_said_in_words_with_a_way_to_look(tmp_path: Path) -> None:
    config = sshd_t(tmp_path, "PermitRootLogin yes\nPasswordAuthentication yes")
    # Socket-activated SSH on a server where no mount namespace can be made.
    said = ssh_check(tmp_path, config, run_sshd=False, unshare=False)
    assert said["status"] == Status.WARNING.value
    assert said["reason"].startswith(
        "cht-install cannot tell whether root may log in with a password: SSH starts only "
        "when someone connects")
    assert said["reason"].endswith("(sshd said: Missing privilege separation directory: "
                                   "/run/sshd)")
    assert "sudo grep -riE 'PermitRootLogin|PasswordAuthentication'" in said["fix"]
    # No host key: sshd cannot start at all.
    keyless = tmp_path / "sshd_config-keyless"
    keyless.write_text(f"HostKey {tmp_path / 'absent_key'}\nPermitRootLogin no\n")
    said = ssh_check(tmp_path, keyless, run_sshd=True)
    assert said["status"] == Status.WARNING.value
    assert "SSH has no host keys" in said["reason"], said


def test_this_machines_disk_is_read_from_the_block_device_tree(tmp_path: Path) -> None:
    host = RealHost(tmp_path / "log")
    check = security.disk_encryption(host, Path("/var/lib"))
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "--target", "/var/lib"],
                            capture_output=True, text=True, check=True).stdout.strip()
    tree = subprocess.run(["lsblk", "--json", "--inverse", "--output", "TYPE", source],
                          capture_output=True, text=True, check=False).stdout
    encrypted = '"crypt"' in tree
    assert check.finding.status is (Status.OK if encrypted else Status.WARNING)
    said = "on an encrypted disk" if encrypted else "on a disk this server does not encrypt"
    assert said in check.finding.reason and "/var/lib" in check.finding.reason


def test_a_luks_layer_under_the_data_is_found() -> None:
    # This kernel has no device-mapper (no dm_mod; /dev/mapper/control cannot be opened),
    # so no dm-crypt device can be made here. The sample is lsblk's JSON, in util-linux
    # 2.38's shape, for Ubuntu's "encrypted LVM" layout (ext4 on LVM on LUKS2 on NVMe),
    # written for this test, not recorded on an encrypted host.
    chain, crypts = security.crypt_layers((LSBLK / "ubuntu-encrypted-lvm.json").read_text())
    assert chain == ["ubuntu--vg-ubuntu--lv", "dm_crypt-0", "nvme0n1p3", "nvme0n1"]
    assert crypts == ["dm_crypt-0", "nvme0n1p3"]
    plain = json.dumps({"blockdevices": [{"name": "vda1", "type": "part", "fstype": "ext4",
                                          "children": [{"name": "vda", "type": "disk"}]}]})
    assert security.crypt_layers(plain) == (["vda1", "vda"], [])
