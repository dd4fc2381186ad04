"""A small client of Docker's Engine API over its Unix socket: what cht-install asks of the
daemon, without the Docker SDK (which brings requests and urllib3 into both processes)."""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FRAME_HEADER = struct.Struct(">BxxxL")  # stream (1 stdout, 2 stderr), 3 bytes, length
CHUNK = 65536
# Where `docker login` keeps a registry's credentials (the SDK's pull sent them too).
HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io",
            "registry-1.docker.io")


class DockerError(Exception):
    """The daemon answered an error: its HTTP status and its own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message or f"Docker answered {status}")
        self.status = status


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the daemon's Unix socket."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _query(params: dict[str, Any]) -> str:
    kept = {key: value for key, value in params.items() if value is not None}
    return "?" + urllib.parse.urlencode(kept) if kept else ""


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _frames(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """(stream, payload) of each frame of a multiplexed stream (a container without a TTY)."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= FRAME_HEADER.size:
            kind, size = FRAME_HEADER.unpack_from(buffer)
            if len(buffer) < FRAME_HEADER.size + size:
                break
            yield kind, buffer[FRAME_HEADER.size:FRAME_HEADER.size + size]
            buffer = buffer[FRAME_HEADER.size + size:]


def _json_lines(chunks: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    """Each JSON object of a stream of them (a pull's progress), however it is cut."""
    decoder, buffer = json.JSONDecoder(), ""
    text = codecs.getincrementaldecoder("utf-8")("replace")  # a character cut in two
    for chunk in chunks:
        buffer += text.decode(chunk)
        while True:
            buffer = buffer.lstrip()
            if not buffer:
                break
            try:
                item, end = decoder.raw_decode(buffer)
            except ValueError:
                break  # the rest comes with the next chunk
            buffer = buffer[end:]
            if isinstance(item, dict):
                yield item


def _from_helper(helper: str, server: str) -> tuple[str, str] | None:
    """(user, secret) from `docker login`'s credential helper (docker-credential-HELPER
    get, the server on its input), as Docker asks it; None when it has none or is absent."""
    program = shutil.which(f"docker-credential-{helper}")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "get"], input=server, capture_output=True, text=True,
                              timeout=20, check=False)
        found = json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    user, secret = found.get("Username"), found.get("Secret")
    return (str(user), str(secret)) if user and secret else None


def _from_auths(entry: object) -> tuple[str, str] | None:
    """(user, password) of a config.json "auths" entry (base64 of "user:password")."""
    if not isinstance(entry, dict) or not entry.get("auth"):
        return None
    try:
        user, _, password = base64.b64decode(entry["auth"], validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if user else None


def registry_auth(repository: str, config_dir: Path | None = None) -> str | None:
    """The X-Registry-Auth header for a pull from ``repository``'s registry, from what
    `docker login` saved (Docker's order: the registry's credential helper, the credential
    store, then config.json's own entry); None when there is nothing for it."""
    folder = config_dir or Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    from installer.registry import DOCKER_HUB, split_reference

    named = split_reference(f"{repository}:latest")[0]
    host = None if named == DOCKER_HUB else named
    keys = [key for key in ((host, f"https://{host}", f"http://{host}") if host else HUB_KEYS)
            if key]
    server = host or HUB_KEYS[0]
    helpers = config.get("credHelpers") or {}
    helper = next((helpers[key] for key in keys if isinstance(helpers, dict)
                   and isinstance(helpers.get(key), str)), None) or config.get("credsStore")
    auths = config.get("auths") or {}
    found = _from_helper(helper, server) if isinstance(helper, str) and helper else None
    if found is None:  # as Docker does: then the entry in config.json itself
        found = next((_from_auths(auths.get(key)) for key in keys
                      if isinstance(auths, dict) and auths.get(key)), None)
    if found is None:
        return None
    user, secret = found
    header = ({"identitytoken": secret, "serveraddress": server} if user == "<token>"
              else {"username": user, "password": secret, "serveraddress": server})
    return base64.urlsafe_b64encode(json.dumps(header).encode()).decode()


class Engine:
    """The daemon, asked over one connection per thread (a stream gets its own)."""

    def __init__(self, socket_path: str, timeout: float = 120.0) -> None:
        self.socket_path = socket_path.removeprefix("unix://")
        self.timeout = timeout
        self._local = threading.local()
        self.containers = Containers(self)
        self.volumes = Volumes(self)
        self.images = Images(self)
        self.api = LowLevel(self)

    def _connection(self) -> _UnixConnection:
        kept = getattr(self._local, "connection", None)
        if kept is None:
            kept = self._local.connection = _UnixConnection(self.socket_path, self.timeout)
        return kept

    def exchange(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None
                 ) -> tuple[http.client.HTTPResponse, bytes]:
        """The answer and its whole body, on this thread's connection; DockerError for an
        error status."""
        connection = self._connection()
        for attempt in (1, 2):
            reused = connection.sock is not None
            try:
                connection.request(method, path, body=body, headers=headers or {})
                answer = connection.getresponse()
                data = answer.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if not reused or attempt == 2:  # a kept connection the daemon closed: again
                    raise
            except BaseException:
                connection.close()
                raise
        if answer.status >= 400:
            raise DockerError(answer.status, _message(data))
        return answer, data

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> bytes:
        return self.exchange(method, path, body, headers)[1]

    def get_json(self, path: str) -> Any:
        return json.loads(self.request("GET", path) or b"null")

    def stream(self, method: str, path: str, body: bytes | None = None,
               headers: dict[str, str] | None = None
               ) -> Iterator[bytes]:
        """An answer's body read as it comes, on its own connection (closed once read)."""
        connection = _UnixConnection(self.socket_path, self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        if answer.status >= 400:
            data = answer.read()
            connection.close()
            raise DockerError(answer.status, _message(data))

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := answer.read1(CHUNK):
                    yield chunk
            finally:
                connection.close()

        return chunks()

    def ping(self) -> bool:
        return self.request("GET", "/_ping") == b"OK"

    def info(self) -> dict[str, Any]:
        return dict(self.get_json("/info"))

    def version(self) -> dict[str, Any]:
        return dict(self.get_json("/version"))


def _message(data: bytes) -> str:
    try:
        return str(json.loads(data).get("message", ""))
    except (ValueError, AttributeError):
        return data.decode("utf-8", "replace").strip()


class Container:
    """A container as `docker inspect` sees it when it was looked up."""

    def __init__(self, engine: Engine, attrs: dict[str, Any]) -> None:
        self.engine = engine
        self.attrs = attrs
        self.id = str(attrs.get("Id", ""))
        self.name = str(attrs.get("Name", "")).lstrip("/")
        self.status = str((attrs.get("State") or {}).get("Status", ""))

    def _tty(self) -> bool:
        return bool((self.attrs.get("Config") or {}).get("Tty"))

    def logs(self, stream: bool = False, follow: bool = False,
             since: dt.datetime | int | None = None, tail: int | str = "all") -> Any:
        """Its output and errors, as they came: bytes, or chunks of them with ``stream``."""
        when = int(since.timestamp()) if isinstance(since, dt.datetime) else since
        path = f"/containers/{self.id}/logs" + _query(
            {"stdout": 1, "stderr": 1, "follow": int(follow), "since": when, "tail": tail})
        chunks = self.engine.stream("GET", path) if stream or follow else iter(
            [self.engine.request("GET", path)])  # a stream on a connection of its own
        pieces = chunks if self._tty() else (data for _, data in _frames(chunks))
        return pieces if stream else b"".join(pieces)

    def exec_run(self, cmd: list[str], demux: bool = False) -> tuple[int | None, Any]:
        """Run ``cmd`` in it: (exit code, (output, errors)), or the two joined without
        ``demux``."""
        made = json.loads(self.engine.request(
            "POST", f"/containers/{self.id}/exec",
            json.dumps({"Cmd": cmd, "AttachStdout": True, "AttachStderr": True}).encode(),
            {"Content-Type": "application/json"}))
        exec_id = str(made["Id"])
        chunks = self.engine.stream(
            "POST", f"/exec/{exec_id}/start", json.dumps({"Detach": False, "Tty": False}).encode(),
            {"Content-Type": "application/json"})
        out, err = bytearray(), bytearray()
        for kind, data in _frames(chunks):
            (err if kind == 2 else out).extend(data)
        code = self.engine.get_json(f"/exec/{exec_id}/json").get("ExitCode")
        if demux:
            return code, (bytes(out) or None, bytes(err) or None)
        return code, bytes(out + err)

    def put_archive(self, path: str, data: bytes) -> bool:
        self.engine.request("PUT", f"/containers/{self.id}/archive" + _query({"path": path}),
                            data, {"Content-Type": "application/x-tar"})
        return True

    def remove(self, force: bool = False, v: bool = False) -> None:
        self.engine.request("DELETE", f"/containers/{self.id}" + _query(
            {"force": int(force), "v": int(v)}))


class Containers:
    """Containers looked up by name or listed by label."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> Container:
        return Container(self.engine, dict(self.engine.get_json(
            f"/containers/{_quoted(name)}/json")))

    def list(self, all: bool = False, filters: dict[str, str] | None = None  # noqa: A002
             ) -> list[Container]:
        wanted = json.dumps({key: [value] for key, value in (filters or {}).items()})
        listed = self.engine.get_json("/containers/json" + _query(
            {"all": int(all), "filters": wanted if filters else None}))
        return [self.get(str(item["Id"])) for item in listed]


class Volume:
    def __init__(self, attrs: dict[str, Any]) -> None:
        self.attrs = attrs


class Volumes:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> Volume:
        return Volume(dict(self.engine.get_json(f"/volumes/{_quoted(name)}")))


class Images:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> dict[str, Any]:
        return dict(self.engine.get_json(f"/images/{_quoted(name)}/json"))


class LowLevel:
    """The requests that answer as a stream."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pull(self, repository: str, tag: str = "latest", **options: Any
             ) -> Iterator[dict[str, Any]]:
        """The pull's progress, one JSON object at a time (its last may carry "error");
        ``options`` are the SDK's (stream, decode), which this always does."""
        auth = registry_auth(repository)
        chunks = self.engine.stream(
            "POST", "/images/create" + _query({"fromImage": repository, "tag": tag}),
            headers={"X-Registry-Auth": auth} if auth else None)
        return _json_lines(chunks)

    def get_archive(self, container: str, path: str
                    ) -> tuple[Iterator[bytes], dict[str, Any]]:
        """A path of a container as a tar (read whole: CHT's configuration files, a folder's
        names), and Docker's stat of it."""
        answer, data = self.engine.exchange(
            "GET", f"/containers/{_quoted(container)}/archive" + _query({"path": path}))
        header = answer.getheader("X-Docker-Container-Path-Stat") or ""
        try:
            stat = json.loads(base64.b64decode(header)) if header else {}
        except ValueError:
            stat = {}
        return iter([data]), stat
