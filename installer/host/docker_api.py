"""The part of a Docker client that cht-install uses, as types (installer/host/docker_engine.py
is the real one, the fake host's another): containers, volumes and images looked up by name,
and the streams (a pull, a container's files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Container(Protocol):
    name: str
    status: str  # "running", "exited", "restarting", ...
    attrs: dict[str, Any]  # `docker inspect`'s answer

    def logs(self, stream: bool = False, follow: bool = False,
             since: dt.datetime | int | None = None, tail: int | str = "all") -> Any: ...
    def exec_run(self, cmd: list[str], demux: bool = False) -> tuple[int | None, Any]: ...
    def put_archive(self, path: str, data: bytes) -> bool: ...
    def remove(self, force: bool = False, v: bool = False) -> None: ...


class Containers(Protocol):
    def get(self, name: str) -> Container: ...
    def list(self, all: bool = False, filters: dict[str, str] | None = None  # noqa: A002
             ) -> Sequence[Container]: ...


class Volume(Protocol):
    attrs: dict[str, Any]


class Volumes(Protocol):
    def get(self, name: str) -> Volume: ...


class Images(Protocol):
    def get(self, name: str) -> Any: ...


class LowLevel(Protocol):
    def pull(self, repository: str, **options: Any) -> Iterator[dict[str, Any]]: ...
    def get_archive(self, container: str, path: str) -> tuple[Iterator[bytes], dict[str, Any]]: ...


class DockerClient(Protocol):
    """A Docker client, as far as cht-install uses it."""

    @property
    def containers(self) -> Containers: ...
    @property
    def volumes(self) -> Volumes: ...
    @property
    def images(self) -> Images: ...
    @property
    def api(self) -> LowLevel: ...

    def ping(self) -> bool: ...
    def info(self) -> dict[str, Any]: ...  # `docker info`'s answer
    def version(self) -> dict[str, Any]: ...  # `docker version`'s answer


def docker_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """What a Docker call raises: the daemon's error answers (no such container, say), a
    connection to it that broke or was never made (http.client's, the socket's own), and
    ``also``, for what the caller does with the answer (a missing key, say)."""
    import http.client

    from installer.host.docker_engine import DockerError

    return (DockerError, http.client.HTTPException, OSError, *also)
