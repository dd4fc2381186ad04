"""A Host for one step's unit tests: a server described by its files, its commands'
answers and its containers; every change recorded, and applied to that description where
a later probe would see it (so apply-then-probe can be checked in a second)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from installer.answers import from_mapping
from installer.host import CommandResult, HttpsAnswer
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context

OS_RELEASE = Path(__file__).parent / "data/os-release/debian-12"


class NotFound(OSError):
    """What the fake Docker raises for a name it does not have (the SDK's is an error of
    its own; an OSError is among what docker_errors() catches)."""


@dataclass
class FakeContainer:
    name: str
    status: str = "running"
    attrs: dict[str, Any] = field(default_factory=lambda: {"State": {"Running": True}})
    files: dict[str, bytes] = field(default_factory=dict)
    log: bytes = b""

    def logs(self, **options: Any) -> Any:
        return iter([self.log]) if options.get("stream") else self.log


class Named:
    """containers/volumes/images: looked up by name, NotFound when absent."""

    def __init__(self, items: dict[str, Any]) -> None:
        self.items = items

    def get(self, name: str) -> Any:
        if name not in self.items:
            raise NotFound(name)
        return self.items[name]

    def list(self, all: bool = False, filters: dict[str, str] | None = None  # noqa: A002
             ) -> list[Any]:
        """Containers, by their labels as compose sets them (filters={"label": "k=v"})."""
        key, _, value = (filters or {}).get("label", "").partition("=")
        return [item for item in self.items.values() if (all or item.status == "running")
                and (not key or item.attrs.get("Config", {}).get("Labels", {}).get(key) == value)]


@dataclass
class FakeHost:
    files: dict[Path, bytes] = field(default_factory=dict)
    # argv prefix -> the answer; the longest prefix that matches wins
    commands: dict[tuple[str, ...], CommandResult] = field(default_factory=dict)
    # argv prefix -> what running it (or exec-ing it in a container) changes on this
    # server, given the argv: e.g. compose's `up` starts containers, for a step that waits
    # for them within its apply; the longest prefix that matches wins
    effects: dict[tuple[str, ...], Callable[[tuple[str, ...]], None]] = field(
        default_factory=dict)
    containers: dict[str, FakeContainer] = field(default_factory=dict)
    changed: dict[Path, float] = field(default_factory=dict)  # a file's ctime, by path
    volumes: dict[str, Any] = field(default_factory=dict)
    images: set[str] = field(default_factory=set)
    docker_version: str | None = "24.0.7"  # None: the daemon does not answer
    https: Callable[..., HttpsAnswer] | None = None
    direct: Callable[..., HttpsAnswer] | None = None  # container_get: a service asked directly
    actions: list[tuple[Any, ...]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    live: bool = True
    downloads: dict[str, bytes] = field(default_factory=dict)  # url -> what it serves
    # What the next pulls raise, in turn (a registry cut off mid-answer, say); then pulls work
    pull_failures: list[Exception] = field(default_factory=list)
    # Some steps look at the disk themselves, not through the host (a .env's mode, whether
    # CHT's data directory has files): files written below this directory are also written
    # there, with their mode.
    disk: Path | None = None

    # reads
    def answer(self, argv: Sequence[str]) -> CommandResult:
        matches = [prefix for prefix in self.commands if tuple(argv[:len(prefix)]) == prefix]
        if not matches:
            return CommandResult(tuple(argv), 127, "", f"{argv[0]}: not found")
        return self.commands[max(matches, key=len)]

    def query(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        return self.answer(argv)

    def read_text(self, path: Path) -> str | None:
        data = self.files.get(path)
        return data.decode() if data is not None else None

    def read_bytes(self, path: Path) -> bytes | None:
        return self.files.get(path)

    def changed_at(self, path: Path) -> float | None:
        return self.changed.get(path)

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if self.answer([name]).returncode != 127 else None

    def docker(self) -> Any:
        if self.docker_version is None:
            return None
        return SimpleNamespace(
            containers=Named(self.containers), volumes=Named(self.volumes),
            images=Named({name: name for name in self.images}),
            version=lambda: {"Version": self.docker_version},
            info=lambda: {"DockerRootDir": "/var/lib/docker"}, ping=lambda: True)

    def container_read(self, container: str, path: str) -> bytes | None:
        found = self.containers.get(container)
        return found.files.get(path) if found and found.status == "running" else None

    def container_list(self, container: str, path: str) -> list[str] | None:
        found = self.containers.get(container)
        if found is None or found.status != "running":
            return None
        inside = sorted({name[len(path):].lstrip("/").split("/")[0] for name in found.files
                         if name.startswith(path.rstrip("/") + "/")})
        return inside or None

    def container_tree(self, container: str, path: str) -> list[str] | None:
        found = self.containers.get(container)
        if found is None or found.status != "running":
            return None
        below = path.rstrip("/") + "/"
        inside = set()
        for name in found.files:
            if name.startswith(below):
                parts = name[len(below):].split("/")
                inside.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
        return sorted(inside) or None

    def https_get(self, address: str, port: int, server_name: str, trust: str | None = None,
                  path: str = "/", auth: tuple[str, str] | None = None) -> HttpsAnswer:
        if self.https is None:
            return HttpsAnswer(None, None, "connection refused")
        return self.https(path=path, auth=auth)

    def container_get(self, container: str, port: int, path: str,
                      auth: tuple[str, str] | None = None) -> HttpsAnswer:
        if self.direct is None:
            return HttpsAnswer(None, None, "connection refused")
        return self.direct(container=container, port=port, path=path, auth=auth)

    def resolve(self, name: str) -> list[str]:
        return []

    def tcp_open(self, address: str, port: int) -> bool:
        return False

    def log(self, text: str) -> None:
        pass

    def add_secret(self, secret: str) -> None:
        self.secrets.add(secret)

    # changes
    def happen(self, argv: Sequence[str]) -> None:
        matches = [prefix for prefix in self.effects if tuple(argv[:len(prefix)]) == prefix]
        if matches:
            self.effects[max(matches, key=len)](tuple(argv))

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None,
            timeout: float = 1800) -> CommandResult:
        self.actions.append(("run", *argv))
        self.happen(argv)
        return self.answer(argv)

    def write_file(self, path: Path, content: str | bytes, mode: int) -> None:
        data = content.encode() if isinstance(content, str) else content
        self.actions.append(("write", str(path), oct(mode)))
        self.files[path] = data
        if self.disk is not None and path.is_relative_to(self.disk):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(mode)

    def download(self, url: str, to: Path, mode: int, check: Callable[[bytes], None]) -> None:
        self.actions.append(("fetch", url))
        if url not in self.downloads:
            raise RuntimeError(f"could not download {url}: HTTP Error 404: Not Found")
        check(self.downloads[url])
        self.write_file(to, self.downloads[url], mode)

    def https_send(self, method: str, address: str, port: int, server_name: str, path: str,
                   auth: tuple[str, str], body: bytes) -> HttpsAnswer:
        self.actions.append((method.lower(), path, auth[0]))
        if self.https is None:
            return HttpsAnswer(None, None, "connection refused")
        return self.https(path=path, auth=auth, method=method, body=body)

    def pull(self, image: str, on_progress: Callable[..., None]) -> None:
        self.actions.append(("pull", image))
        if self.pull_failures:
            raise self.pull_failures.pop(0)
        on_progress({"layer": (100, 100)}, "Pull complete layer")
        self.images.add(image)

    def image_platforms(self, image: str) -> list[str] | None:
        return None

    def image_download_size(self, image: str) -> int | None:
        return None

    def container_put(self, container: str, files: Mapping[str, tuple[bytes, int]]) -> None:
        for path, (data, mode) in files.items():
            self.actions.append(("put", container, path, oct(mode)))
            self.containers[container].files[path] = data

    def container_exec(self, container: str, argv: Sequence[str]) -> CommandResult:
        self.actions.append(("exec", container, *argv))
        self.happen(argv)
        return self.answer(argv)

    def container_remove(self, container: str) -> None:
        self.actions.append(("remove", container))
        self.containers.pop(container, None)

    def copy_tree(self, source: Path, to: Path, progress: Callable[[int, int], None]) -> None:
        self.actions.append(("copy", str(source), str(to)))
        for path, data in list(self.files.items()):
            if path.is_relative_to(source):
                self.files[to / path.relative_to(source)] = data
        progress(1, 1)

    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> bool:
        return check()


def context(host: FakeHost, root: Path, arch: str | None = None,
            **answers: Any) -> Context:
    """A step's context on this fake Debian 12 server, for answers given as the answers
    file gives them."""
    config = from_mapping({"hostname": "cht.example.org", **answers})
    return Context(host=host, config=config, paths=Paths.under(root),  # type: ignore[arg-type]
                   platform=detect(OS_RELEASE, arch), emit=lambda event: None,
                   line=line_for(config))


def ran(host: FakeHost) -> list[tuple[Any, ...]]:
    return [action for action in host.actions if action[0] in ("run", "exec")]
