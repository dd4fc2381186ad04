"""The part of the Docker SDK's client that cht-install uses, as types (the SDK has none):
containers, volumes and images looked up by name, and the low-level pull stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol


class Container(Protocol):
    name: str
    status: str  # "running", "exited", "restarting", ...
    attrs: dict[str, Any]  # `docker inspect`'s answer

    def logs(self, **options: Any) -> Any: ...  # bytes, or a stream of them with stream=True
    def exec_run(self, cmd: list[str], **options: Any) -> Any: ...
    def get_archive(self, path: str) -> tuple[Iterable[bytes], dict[str, Any]]: ...
    def put_archive(self, path: str, data: bytes) -> bool: ...
    def remove(self, **options: Any) -> None: ...


class Containers(Protocol):
    def get(self, name: str) -> Container: ...
    def list(self, all: bool = False, filters: dict[str, str] | None = None  # noqa: A002
             ) -> list[Container]: ...


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
    """docker.DockerClient, as far as cht-install uses it."""

    containers: Containers
    volumes: Volumes
    images: Images
    api: LowLevel

    def ping(self) -> bool: ...
    def info(self) -> dict[str, Any]: ...  # `docker info`'s answer
    def version(self) -> dict[str, Any]: ...  # `docker version`'s answer


def docker_errors(*also: type[Exception]) -> tuple[type[Exception], ...]:
    """What a Docker SDK call raises: the SDK's own errors (NotFound, APIError, ...), a lost
    connection to the daemon (requests'; urllib3's while a stream such as a pull or logs is
    read raw), the socket's own (OSError); and ``also``, for what the caller does with the
    answer (a missing key, say)."""
    import docker.errors  # late: imported only when something went wrong with a live Docker
    import requests
    import urllib3

    return (docker.errors.DockerException, requests.exceptions.RequestException,
            urllib3.exceptions.HTTPError, OSError, *also)
