"""PlanHost: the seam that records what it would do (the dry run, the plan on screen),
reading through to the real host."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from installer.host.docker_api import DockerClient
from installer.host.files import Redactor
from installer.host.real import RealHost
from installer.host.seam import CommandResult, HttpsAnswer, PullProgress

if TYPE_CHECKING:
    from installer.tls.acme_order import AcmeRequest, Publish


class PlanHost:
    """Records what would change instead of changing it.

    With ``reader`` (a RealHost) reads see this machine; without one the plan is for a
    fresh machine: nothing is installed, no file exists, no daemon answers.
    """

    def __init__(self, reader: RealHost | None = None) -> None:
        self.reader = reader
        self.live = reader is not None
        self.actions: list[dict[str, object]] = []
        self.redact = Redactor()
        # What this plan has written so far: later steps' reads see it, as they would.
        self.written: dict[Path, str] = {}

    def take_actions(self) -> list[dict[str, object]]:
        actions, self.actions = self.actions, []
        return actions

    # reads
    def query(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        if self.reader is None:
            return CommandResult(tuple(argv), 127, "", f"{argv[0]}: not checked (plan)")
        return self.reader._exec(argv, timeout)

    def read_text(self, path: Path) -> str | None:
        if path in self.written:
            return self.written[path]
        return self.reader.read_text(path) if self.reader else None

    def read_bytes(self, path: Path) -> bytes | None:
        if path in self.written:
            return self.written[path].encode()
        return self.reader.read_bytes(path) if self.reader else None

    def which(self, name: str) -> str | None:
        return self.reader.which(name) if self.reader else None

    def docker(self) -> DockerClient | None:
        return self.reader.docker() if self.reader else None

    def container_read(self, container: str, path: str) -> bytes | None:
        return self.reader.container_read(container, path) if self.reader else None

    def container_list(self, container: str, path: str) -> list[str] | None:
        return self.reader.container_list(container, path) if self.reader else None

    def changed_at(self, path: Path) -> float | None:
        return self.reader.changed_at(path) if self.reader else None

    def container_tree(self, container: str, path: str) -> list[str] | None:
        return self.reader.container_tree(container, path) if self.reader else None

    def https_get(
        self, address: str, port: int, server_name: str, trust: str | None = None,
        path: str = "/", auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer:
        if self.reader is None:
            return HttpsAnswer(None, None, "not checked (plan)")
        return self.reader.https_get(address, port, server_name, trust, path, auth)

    def container_get(
        self, container: str, port: int, path: str, auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer:
        if self.reader is None:
            return HttpsAnswer(None, None, "not checked (plan)")
        return self.reader.container_get(container, port, path, auth)

    def resolve(self, name: str) -> list[str]:
        return self.reader.resolve(name) if self.reader else []

    def tcp_open(self, address: str, port: int) -> bool:
        return self.reader.tcp_open(address, port) if self.reader else False

    def log(self, text: str) -> None:
        return None

    def add_secret(self, secret: str) -> None:
        self.redact.add(secret)

    # changes, recorded
    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 1800,
    ) -> CommandResult:
        action: dict[str, object] = {"run": list(argv)}
        if env:
            action["env"] = dict(env)
        self.actions.append(action)
        return CommandResult(tuple(argv), 0, "", "")

    def spawn(self, argv: Sequence[str], log_path: Path) -> Callable[[], bool]:
        self.actions.append({"spawn": list(argv), "log": str(log_path)})
        return lambda: True

    def write_file(self, path: Path, content: str | bytes, mode: int) -> None:
        if isinstance(content, bytes):
            self.written[path] = content.decode(errors="replace")
            text = f"<{len(content)} bytes>"
        else:
            self.written[path] = content
            text = self.redact(content)
        self.actions.append({"write": str(path), "mode": f"{mode:04o}", "content": text})

    def pull(self, image: str, on_progress: PullProgress) -> None:
        self.actions.append({"pull": image})

    def image_download_size(self, image: str) -> int | None:
        return None  # a plan does not ask the registry

    def image_platforms(self, image: str) -> list[str] | None:
        return None

    def container_put(self, container: str, files: Mapping[str, tuple[bytes, int]]) -> None:
        for path, (data, mode) in files.items():
            self.actions.append(
                {"write": path, "in": container, "mode": f"{mode:04o}",
                 "content": f"<{len(data)} bytes>"}
            )

    def container_exec(self, container: str, argv: Sequence[str]) -> CommandResult:
        self.actions.append({"run": list(argv), "in": container})
        return CommandResult(tuple(argv), 0, "", "")

    def container_remove(self, container: str) -> None:
        self.actions.append({"remove-container": container, "volumes": "kept"})

    def copy_tree(self, source: Path, to: Path, progress: Callable[[int, int], None]) -> None:
        self.actions.append({"copy": str(source), "to": str(to)})

    def download(
        self, url: str, to: Path, mode: int, check: Callable[[bytes], None]
    ) -> None:
        self.actions.append({"fetch": url, "to": str(to), "mode": f"{mode:04o}"})

    def https_send(
        self, method: str, address: str, port: int, server_name: str, path: str,
        auth: tuple[str, str], body: bytes,
    ) -> HttpsAnswer:
        self.actions.append({method.lower(): path, "over": f"https://{server_name}:{port}",
                             "as": auth[0]})
        return HttpsAnswer(None, 200)

    def acme_order(self, request: AcmeRequest, publish: Publish) -> str:
        self.actions.append({"acme": request.directory, "name": request.hostname,
                             "challenge": "http-01"})
        return ""

    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> bool:
        self.actions.append({"wait": what, "timeout": timeout})
        return True
