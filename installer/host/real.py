"""RealHost: the seam that does it (commands, files, Docker, HTTPS, ACME), logging each."""

from __future__ import annotations

import base64
import errno
import io
import os
import platform as platform_module
import shutil
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.error
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from installer.host.docker_api import DockerClient, docker_errors
from installer.host.fetch import open_url
from installer.host.files import Redactor, append_private, rotate_past, write_atomically
from installer.host.https import client_context, read_reply
from installer.host.seam import DOCKER_SOCKET, CommandResult, HttpsAnswer, PullProgress
from installer.words import explain

# While nothing is changed (a re-run's checks), a Docker client that answered this many
# seconds ago is used without asking again; any change through the seam asks again.
PING_AGAIN = 1.0

if TYPE_CHECKING:
    from installer.tls.acme_order import AcmeRequest, Publish


def failure_words(exc: BaseException) -> str:
    """Why a request failed, in words (no exception class, no errno)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"it answered {exc.code} {exc.reason}"
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[0].lower() + reason.strerror[1:]
    return str(reason)


class RealHost:
    """Does it, and writes every command and its output to the log file."""

    live = True

    def __init__(self, log_path: Path, log_limit: int = 20_000_000) -> None:
        self.log_path = log_path
        self.log_limit = log_limit  # bytes (logs.max_mb)
        self.redact = Redactor()
        self._docker: DockerClient | None = None
        self._answered = 0.0  # when the Docker client last answered a ping

    # -- logging ---------------------------------------------------------------
    def add_secret(self, secret: str) -> None:
        self.redact.add(secret)

    def log(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        lines = "".join(f"{stamp} {line}\n" for line in self.redact(text).splitlines() or [""])
        rotate_past(self.log_path, self.log_limit)
        append_private(self.log_path, lines)

    def _log_result(self, result: CommandResult, kind: str) -> None:
        self.log(f"{kind}: {' '.join(result.argv)} -> exit {result.returncode}")
        for name, stream in (("stdout", result.stdout), ("stderr", result.stderr)):
            if stream.strip():
                self.log(f"  {name}:\n" + stream.rstrip())

    def _exec(
        self, argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None
    ) -> CommandResult:
        full_env = {**os.environ, **env} if env else None
        try:
            done = subprocess.run(
                list(argv), capture_output=True, text=True, timeout=timeout,
                env=full_env, stdin=subprocess.DEVNULL, check=False,
            )
            return CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr)
        except FileNotFoundError:
            return CommandResult(tuple(argv), 127, "", f"{argv[0]}: command not found")
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            return CommandResult(tuple(argv), 124, out, f"timed out after {timeout:.0f} s")

    # -- reads -----------------------------------------------------------------
    def query(self, argv: Sequence[str], timeout: float = 30) -> CommandResult:
        result = self._exec(argv, timeout)
        self._log_result(result, "query")
        return result

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None

    def read_bytes(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def which(self, name: str) -> str | None:
        return shutil.which(name)

    def changed_at(self, path: Path) -> float | None:
        """When the file (through links) was last written, replaced or had its mode
        changed (its ctime); None when it is absent."""
        try:
            return path.stat().st_ctime
        except OSError:
            return None

    def _changing(self) -> None:
        """A change may stop or restart Docker: the client's next use pings it again."""
        self._answered = 0.0

    def docker(self) -> DockerClient | None:
        """A Docker API client when the daemon answers, else None."""
        from installer.host.docker_engine import Engine  # late: not for another machine

        if self._docker is not None:
            if time.monotonic() - self._answered < PING_AGAIN:
                return self._docker  # one client, one connection: no ping per question
            try:
                self._docker.ping()
                self._answered = time.monotonic()
                return self._docker
            except docker_errors():
                self._docker = None
        try:
            client: DockerClient = Engine(DOCKER_SOCKET, timeout=120)
            client.ping()
        except docker_errors():
            return None
        self._docker, self._answered = client, time.monotonic()
        return client

    def _archive(self, container: str, path: str) -> tarfile.TarFile | None:
        """A path of a container as Docker hands it out (a tar); None when absent."""
        client = self.docker()
        if client is None:
            return None
        try:
            stream, _ = client.api.get_archive(container, path)
            return tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
        except docker_errors(tarfile.TarError):
            return None

    def container_read(self, container: str, path: str) -> bytes | None:
        archive = self._archive(container, path)
        if archive is None:
            return None
        with archive:
            member = archive.next()
            extracted = archive.extractfile(member) if member else None
            return extracted.read() if extracted else None

    def container_list(self, container: str, path: str) -> list[str] | None:
        """The names directly inside a directory of a container; None when it is absent."""
        archive = self._archive(container, path)
        if archive is None:
            return None
        with archive:
            parts = [member.name.split("/") for member in archive.getmembers()]
        return sorted({p[1] for p in parts if len(p) == 2})

    def container_tree(self, container: str, path: str) -> list[str] | None:
        """Every path below a directory of a container, relative to it ("a/b/c"), from one
        request; None when it is absent."""
        archive = self._archive(container, path)
        if archive is None:
            return None
        with archive:
            names = [member.name.split("/", 1) for member in archive.getmembers()]
        return sorted(name[1] for name in names if len(name) == 2 and name[1])

    def https_get(
        self, address: str, port: int, server_name: str, trust: str | None = None,
        path: str = "/", auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer:
        """Connect with TLS (SNI ``server_name``), keep the served certificate, GET ``path``
        (with HTTP basic ``auth`` when given; it is never logged).

        With ``trust`` (PEM roots), also verify the served chain and name as a phone does.
        """
        answer = self._https_get(address, port, server_name, path, auth)
        if trust is None or answer.certificate is None:
            return answer
        context = client_context(trust)
        try:
            with socket.create_connection((address, port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=server_name):
                    pass
        except ssl.SSLCertVerificationError as exc:
            return replace(answer, verified=False, verify_error=str(exc.verify_message))
        except OSError as exc:
            return replace(answer, verified=False, verify_error=explain(exc))
        return replace(answer, verified=True)

    def container_get(
        self, container: str, port: int, path: str, auth: tuple[str, str] | None = None,
    ) -> HttpsAnswer:
        """GET ``path`` over plain HTTP from a port of a container, at its address on its
        Docker network (never through a proxy): a service asked directly, when what
        fronts it does not answer. The credentials are never logged."""
        import urllib.request

        client = self.docker()
        if client is None:
            return HttpsAnswer(None, None, "the Docker daemon is not answering")
        try:
            attrs = client.containers.get(container).attrs
        except docker_errors() as exc:
            return HttpsAnswer(None, None, f"no container {container}: {explain(exc)}")
        networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        address = next((str(n["IPAddress"]) for n in networks.values()
                        if n.get("IPAddress")), None)
        if address is None:
            return HttpsAnswer(None, None, f"{container} has no address (not running)")
        headers = {"Accept": "application/json"}
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        asked = urllib.request.Request(f"http://{address}:{port}{path}", headers=headers)
        try:
            with opener.open(asked, timeout=10) as answer:
                status, body = int(answer.status), answer.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError as exc:
            self.log(f"http: {container} ({address}:{port}) {path}: {explain(exc)}")
            return HttpsAnswer(None, None, explain(exc))
        self.log(f"http: {container} ({address}:{port}) {path} answered {status}")
        return HttpsAnswer(None, status, body=body)

    def resolve(self, name: str) -> list[str]:
        """The addresses DNS gives for ``name`` (empty when it does not resolve)."""
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return []
        return sorted({str(info[4][0]) for info in infos})

    def tcp_open(self, address: str, port: int) -> bool:
        try:
            with socket.create_connection((address, port), timeout=5):
                return True
        except OSError:
            return False

    def _https_get(self, address: str, port: int, server_name: str, path: str,
                   auth: tuple[str, str] | None) -> HttpsAnswer:
        return self._https_request("GET", address, port, server_name, path, auth, b"")

    def _https_request(self, method: str, address: str, port: int, server_name: str,
                       path: str, auth: tuple[str, str] | None, body: bytes) -> HttpsAnswer:
        """One request over TLS; the log names the method, path and status, never the
        credentials or either body."""
        context = client_context(None)
        headers = f"Host: {server_name}\r\nAccept: application/json\r\nConnection: close\r\n"
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers += f"Authorization: Basic {token}\r\n"
        if method != "GET":
            headers += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        try:
            with socket.create_connection((address, port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=server_name) as tls:
                    der = tls.getpeercert(binary_form=True)
                    tls.sendall(f"{method} {path} HTTP/1.1\r\n{headers}\r\n".encode() + body)
                    reply = read_reply(tls)
        except OSError as exc:
            self.log(f"https: {address}:{port} ({server_name}): {type(exc).__name__}: {exc}")
            return HttpsAnswer(None, None, explain(exc))
        head, _, answer = reply.partition(b"\r\n\r\n")
        parts = head.decode("latin-1").split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        shown = "" if method == "GET" else f"{method} "
        self.log(f"https: {address}:{port} ({server_name}) {shown}{path} answered {status}")
        error = "" if status else f"no HTTP answer: {head[:80]!r}"
        return HttpsAnswer(der, status, error, body=answer)

    # -- changes ---------------------------------------------------------------
    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 1800,
    ) -> CommandResult:
        self._changing()
        result = self._exec(argv, timeout, env)
        self._log_result(result, "run")
        return result

    def spawn(self, argv: Sequence[str], log_path: Path) -> Callable[[], bool]:
        """Start a daemon detached, output to ``log_path``; returns "is it still running?"."""
        self._changing()
        self.log(f"spawn: {' '.join(argv)} (output to {log_path})")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            process = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=fd, stderr=fd,
                start_new_session=True, close_fds=True,
            )
        finally:
            os.close(fd)
        return lambda: process.poll() is None

    def write_file(self, path: Path, content: str | bytes, mode: int) -> None:
        self._changing()
        data = content.encode() if isinstance(content, str) else content
        write_atomically(path, data, mode)
        self.log(f"write: {path} ({len(data)} bytes, mode {mode:04o})")

    def pull(self, image: str, on_progress: PullProgress) -> None:
        client = self.docker()
        if client is None:
            raise RuntimeError("the Docker daemon is not answering")
        repository, _, tag = image.rpartition(":")
        self.log(f"pull: {image}")
        layers: dict[str, tuple[int, int]] = {}
        for item in client.api.pull(repository, tag=tag, stream=True, decode=True):
            if "error" in item:
                raise RuntimeError(str(item["error"]))
            layer = item.get("id", "")
            detail = item.get("progressDetail") or {}
            status = item.get("status", "")
            if status == "Downloading" and detail.get("total"):
                layers[layer] = (int(detail.get("current", 0)), int(detail["total"]))
            elif status in ("Download complete", "Pull complete", "Already exists"):
                if layer in layers:
                    layers[layer] = (layers[layer][1], layers[layer][1])
            on_progress(dict(layers), f"{status} {layer}".strip())
        self.log(f"pulled: {image}")

    def image_platforms(self, image: str) -> list[str] | None:
        from installer.registry import image_platforms

        found = image_platforms(image)
        self.log(f"registry: {image} is built for {', '.join(found) if found else 'unknown'}")
        return found

    def image_download_size(self, image: str) -> int | None:
        from installer.registry import layers_size

        size = layers_size(image, platform_module.machine())
        self.log(f"registry: {image} weighs {size if size is not None else 'unknown'} bytes")
        return size

    def container_put(self, container: str, files: Mapping[str, tuple[bytes, int]]) -> None:
        self._changing()
        client = self.docker()
        if client is None:
            raise RuntimeError("the Docker daemon is not answering")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for path, (data, mode) in files.items():
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size, info.mode, info.mtime = len(data), mode, int(time.time())
                archive.addfile(info, io.BytesIO(data))
        client.containers.get(container).put_archive("/", buffer.getvalue())
        for path, (data, mode) in files.items():
            self.log(f"write in {container}: {path} ({len(data)} bytes, mode {mode:04o})")

    def container_exec(self, container: str, argv: Sequence[str]) -> CommandResult:
        self._changing()
        client = self.docker()
        if client is None:
            raise RuntimeError("the Docker daemon is not answering")
        code, output = client.containers.get(container).exec_run(list(argv), demux=True)
        out, err = output if isinstance(output, tuple) else (output, b"")
        result = CommandResult(
            tuple(argv), int(code or 0), (out or b"").decode(errors="replace"),
            (err or b"").decode(errors="replace"),
        )
        self._log_result(result, f"exec in {container}")
        return result

    def container_remove(self, container: str) -> None:
        """Remove a container (never its volumes)."""
        self._changing()
        client = self.docker()
        if client is None:
            raise RuntimeError("the Docker daemon is not answering")
        self.log(f"remove container: {container} (volumes kept)")
        client.containers.get(container).remove(force=True, v=False)

    def copy_tree(self, source: Path, to: Path, progress: Callable[[int, int], None]) -> None:
        """Copy a directory (owners, modes and times kept; ``source`` only read) through
        ``TO.partial``, renamed to ``to`` once whole: ``to`` is a whole copy or absent. A full
        disk (or any failure) removes the partial copy and raises RuntimeError."""
        self.log(f"copy: {source} -> {to}")
        partial = to.with_name(to.name + ".partial")
        try:
            shutil.rmtree(partial, ignore_errors=True)
            total = tree_size(source)
            done = 0
            progress(0, total)
            for folder, _, names in os.walk(source):
                into = partial / Path(folder).relative_to(source)
                into.mkdir(parents=True, exist_ok=True)
                for name in names:
                    done = copy_file(Path(folder) / name, into / name, done,
                                     lambda n: progress(n, total))
            for folder, _, _ in os.walk(source, topdown=False):
                keep_attributes(Path(folder), partial / Path(folder).relative_to(source))
            os.sync()
            if to.exists():
                shutil.rmtree(to)
            os.rename(partial, to)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            full = exc.errno == errno.ENOSPC
            self.log(f"copy failed: {exc}")
            raise RuntimeError(f"the disk holding {to.parent} is full" if full
                               else explain(exc)) from exc
        self.log(f"copy: {done} bytes into {to}")

    def get_url(self, url: str, timeout: float = 30) -> bytes:
        """A read over HTTP(S) (a build server's answer): its body; RuntimeError with the
        reason when it does not answer 2xx."""
        self.log(f"ask: {url}")
        try:
            with open_url(url, timeout) as answer:
                return bytes(answer.read())
        except (OSError, ValueError) as exc:
            raise RuntimeError(failure_words(exc)) from exc

    def download(
        self, url: str, to: Path, mode: int, check: Callable[[bytes], None]
    ) -> None:
        """Fetch ``url``; ``check`` raises on data that must not be trusted; then write."""
        self.log(f"fetch: {url}")
        try:
            with open_url(url, 60) as answer:
                data = answer.read()
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"could not download {url}: {exc}") from exc
        check(data)
        self.write_file(to, data, mode)

    def https_send(
        self, method: str, address: str, port: int, server_name: str, path: str,
        auth: tuple[str, str], body: bytes,
    ) -> HttpsAnswer:
        """PUT, POST or DELETE ``body`` to ``path`` over TLS as ``auth`` (a change to CHT's
        CouchDB, a call to CHT's API)."""
        return self._https_request(method, address, port, server_name, path, auth, body)

    def acme_order(self, request: AcmeRequest, publish: Publish) -> str:
        """Order a certificate from the ACME CA (an effect: the CA records the order)."""
        from installer.tls.acme_order import order_certificate  # the acme library is heavy

        self.log(f"acme: ordering a certificate for {request.hostname} from {request.directory}")
        chain = order_certificate(request, publish)
        self.log(f"acme: certificate issued for {request.hostname}")
        return chain

    def wait_until(self, check: Callable[[], bool], timeout: float, what: str) -> bool:
        """Poll ``check`` until it holds or ``timeout`` seconds pass."""
        self.log(f"wait: {what} (up to {timeout:.0f} s)")
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return True
            if time.monotonic() >= deadline:
                self.log(f"wait: gave up on {what}")
                return False
            time.sleep(1)


COPY_CHUNK = 8 * 1024 * 1024


def tree_size(source: Path) -> int:
    """The bytes of a directory's regular files."""
    return sum((Path(folder) / name).lstat().st_size for folder, _, names in os.walk(source)
               for name in names if not (Path(folder) / name).is_symlink())


def copy_file(source: Path, to: Path, done: int, progress: Callable[[int], None]) -> int:
    """One file (a link as a link) in chunks, each one reported; the bytes done after it."""
    if source.is_symlink():
        os.symlink(os.readlink(source), to)
        return done
    with source.open("rb") as reading, to.open("wb") as writing:
        while chunk := reading.read(COPY_CHUNK):
            writing.write(chunk)
            done += len(chunk)
            progress(done)
    keep_attributes(source, to)
    return done


def keep_attributes(source: Path, to: Path) -> None:
    shutil.copystat(source, to, follow_symlinks=False)
    found = source.lstat()
    os.chown(to, found.st_uid, found.st_gid, follow_symlinks=False)
