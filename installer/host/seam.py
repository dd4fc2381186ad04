"""The seam's shape: what every effect goes through (Host) and what it answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from installer.host.docker_api import DockerClient

if TYPE_CHECKING:
    from installer.tls.acme_order import AcmeRequest, Publish




DOCKER_SOCKET = "unix:///var/run/docker.sock"
# Called with bytes done and total per layer so far, and the registry's last status.
PullProgress = Callable[[dict[str, tuple[int, int]], str], None]


@dataclass(frozen=True)
class HttpsAnswer:
    """What a TLS client saw: the served leaf (DER), chain length and the HTTP status."""

    certificate: bytes | None
    status: int | None
    error: str = ""
    # With trust anchors given: whether the served chain verified for the name, and why not.
    verified: bool | None = None
    verify_error: str = ""
    body: bytes = b""


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 5) -> str:
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return "\n".join(text[-lines:])


class Host(Protocol):
    """Reads are safe in every mode; everything else changes the machine (or records it)."""

    live: bool

    # reads
    def query(self, argv: Sequence[str], timeout: float = 30) -> CommandResult: ...
    def read_text(self, path: Path) -> str | None: ...
    def read_bytes(self, path: Path) -> bytes | None: ...
    def which(self, name: str) -> str | None: ...
    def changed_at(self, path: Path) -> float | None: ...  # its ctime; None when absent
    def docker(self) -> DockerClient | None: ...
    def container_read(self, container: str, path: str) -> bytes | None: ...
    def container_list(self, container: str, path: str) -> list[str] | None: ...
    def container_tree(self, container: str, path: str) -> list[str] | None: ...
    def https_get(
        self, address: str, port: int, server_name: str, trust: str | None = None,
        path: str = "/", auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer: ...
    def container_get(
        self, container: str, port: int, path: str, auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer: ...
    def resolve(self, name: str) -> list[str]: ...
    def tcp_open(self, address: str, port: int) -> bool: ...
    def log(self, text: str) -> None: ...
    def add_secret(self, secret: str) -> None: ...

    # changes
    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 1800,
    ) -> CommandResult: ...
    def spawn(self, argv: Sequence[str], log_path: Path) -> Callable[[], bool]: ...
    def write_file(self, path: Path, content: str | bytes, mode: int) -> None: ...
    def pull(self, image: str, on_progress: PullProgress) -> None: ...
    def image_download_size(self, image: str) -> int | None: ...
    def image_platforms(self, image: str) -> list[str] | None: ...
    def container_put(self, container: str, files: Mapping[str, tuple[bytes, int]]) -> None: ...
    def container_exec(self, container: str, argv: Sequence[str]) -> CommandResult: ...
    def container_remove(self, container: str) -> None: ...
    def copy_tree(self, source: Path, to: Path, progress: Callable[[int, int], None]) -> None: ...
    def download(
        self, url: str, to: Path, mode: int, check: Callable[[bytes], None]
    ) -> None: ...
    def https_send(
        self, method: str, address: str, port: int, server_name: str, path: str,
        auth: tuple[str, str], body: bytes,
    ) -> HttpsAnswer: ...
    def acme_order(self, request: AcmeRequest, publish: Publish) -> str: ...
    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> bool: ...
