"""A test server as a real machine: a qemu guest booted from a cached Debian disk
(scripts/vm) on a copy-on-write overlay, reached over SSH and forwarded ports, its only way
out the tests' own services and the egress allow-list; stopped and deleted when done."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VM = REPO / "scripts" / "vm"
# The tests' services on this machine a guest reaches at 127.0.0.1 (scripts/vm relays
# them inside the guest to 10.0.2.100, qemu's guestfwd address): the registry, the
# stand-in apt repository and build server, the ACME directory; 14001 is a test's own ACME
# server (tests/vm/acme.py), whose relay the test starts in the guest.
RELAYED = (5000, 8081, 8082, 14000, 14001)
GUEST_ADDRESS = "10.0.2.100"
SSH_OPTIONS = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
               "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=6")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def image(release: str, flavour: str = "plain") -> Path:
    """The cached disk folder of a release (built by scripts/vm when missing)."""
    done = subprocess.run([str(VM), "image", release, flavour], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/vm image {release} {flavour} failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


@dataclass
class Guest:
    """One booted guest; `start`, then `ssh`/`copy`, `reboot`, `power_cut`, `stop`."""

    folder: Path  # the cached image: disk.qcow2, vmlinuz, initrd.img, key
    work: Path  # this guest's overlay, console log and key copy
    egress_port: int
    memory_mb: int = 3072
    ssh_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    boots: list[float] = field(default_factory=list)  # seconds from start to SSH, each boot

    @property
    def key(self) -> Path:
        return self.work / "key"

    @property
    def console(self) -> Path:
        return self.work / "console.log"

    def command(self) -> list[str]:
        forwards = [f"hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
                    f"hostfwd=tcp:127.0.0.1:{self.http_port}-:80",
                    f"hostfwd=tcp:127.0.0.1:{self.https_port}-:443",
                    f"guestfwd=tcp:{GUEST_ADDRESS}:3128-cmd:socat - TCP:127.0.0.1:"
                    f"{self.egress_port}"]
        forwards += [f"guestfwd=tcp:{GUEST_ADDRESS}:{port}-cmd:socat - TCP:127.0.0.1:{port}"
                     for port in RELAYED]
        return [
            "qemu-system-x86_64", "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "2",
            "-m", str(self.memory_mb), "-display", "none", "-monitor", "none",
            "-serial", f"file:{self.console}",
            "-kernel", str(self.folder / "vmlinuz"), "-initrd", str(self.folder / "initrd.img"),
            "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0",
            "-drive", f"file={self.work / 'overlay.qcow2'},if=virtio,format=qcow2",
            "-netdev", "user,id=n0,restrict=on," + ",".join(forwards),
            "-device", "virtio-net-pci,netdev=n0",
        ]

    def start(self, timeout: float = 300) -> float:
        """Boot (a new overlay the first time), and wait for SSH: seconds it took."""
        self.work.mkdir(parents=True, exist_ok=True)
        overlay = self.work / "overlay.qcow2"
        if not overlay.exists():
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                            str(self.folder / "disk.qcow2"), str(overlay)], check=True)
            self.key.write_bytes((self.folder / "key").read_bytes())
            self.key.chmod(0o600)
        started = time.monotonic()
        with self.console.open("ab") as log:
            log.write(f"\n=== boot {len(self.boots) + 1}\n".encode())
        for attempt in range(3):
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            start_new_session=True)
            try:
                self.wait_for_ssh(timeout)
                break
            except RuntimeError as ended:
                # a forwarded port taken between free_port() and qemu's bind (by the other
                # VM run beside this one): new ports, and boot again
                if "host forwarding" not in str(ended) or attempt == 2:
                    raise
                self.ssh_port, self.http_port, self.https_port = (
                    free_port(), free_port(), free_port())
        took = time.monotonic() - started
        self.boots.append(took)
        return took

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_for_ssh(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"qemu ended: {self.stderr()}\n{self.console_tail()}")
            if self.ssh("true", timeout=20, check=False).returncode == 0:
                return
            time.sleep(2)
        raise TimeoutError(f"no SSH within {timeout:.0f} s\n{self.console_tail()}")

    def stderr(self) -> str:
        if self.process is None or self.process.stderr is None or self.running():
            return ""
        return self.process.stderr.read().decode(errors="replace")

    def console_tail(self, lines: int = 30) -> str:
        if not self.console.exists():
            return "(no console output)"
        text = self.console.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def ssh(self, command: str, timeout: float = 600, check: bool = True,
            user: str = "debian") -> subprocess.CompletedProcess[str]:
        """Run a shell command line in the guest as the cloud user (sudo for root)."""
        done = subprocess.run(
            ["ssh", "-i", str(self.key), "-p", str(self.ssh_port), *SSH_OPTIONS,
             f"{user}@127.0.0.1", command],
            capture_output=True, text=True, timeout=timeout, check=False,
            stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise AssertionError(f"`{command}` in the guest exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def copy(self, local: Path, remote: str) -> None:
        subprocess.run(["scp", "-q", "-i", str(self.key), "-P", str(self.ssh_port),
                        *SSH_OPTIONS, str(local), f"debian@127.0.0.1:{remote}"],
                       check=True, timeout=300)

    def trust_this_machines_authorities(self) -> None:
        """The CAs this machine's own network needs (an egress proxy that re-signs HTTPS),
        trusted by the guest as by this machine: test plumbing, like the proxy itself."""
        for crt in sorted(Path("/usr/local/share/ca-certificates").glob("*.crt")):
            self.copy(crt, f"/tmp/{crt.name}")
            self.ssh(f"sudo mv /tmp/{shlex.quote(crt.name)} /usr/local/share/ca-certificates/")
        self.ssh("sudo update-ca-certificates >/dev/null")

    def reboot(self, timeout: float = 300) -> float:
        """`systemctl reboot` as an operator types it; seconds until SSH answers again."""
        started = time.monotonic()
        self.ssh("sudo systemctl reboot", check=False, timeout=30)
        time.sleep(5)  # the old sshd may answer once more while the guest goes down
        self.wait_for_ssh(timeout)
        took = time.monotonic() - started
        self.boots.append(took)
        return took

    def power_cut(self) -> None:
        """The machine loses power: qemu killed, nothing flushed, nothing shut down."""
        if self.process is not None and self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the guest and delete its disk."""
        self.power_cut()
        for name in ("overlay.qcow2", "key"):
            (self.work / name).unlink(missing_ok=True)
