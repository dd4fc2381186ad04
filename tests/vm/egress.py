"""The only way out of a test guest: an HTTP proxy that lets through Debian's archive and
PyPI, and refuses every other address (and logs what it let through and refused)."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# The package registries a fresh server reaches: Debian's archive (plain HTTP, as apt's
# sources say) and PyPI (HTTPS, through CONNECT).
ALLOWED = {("deb.debian.org", 80), ("pypi.org", 443), ("files.pythonhosted.org", 443)}


@dataclass
class Egress:
    port: int = 0
    passed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until either side closes."""
    sockets = [a, b]
    while True:
        ready, _, broken = select.select(sockets, [], sockets, 300)
        if broken or not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def handler_for(egress: Egress) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        rbufsize = 0  # read the request line by line, nothing of what follows it

        def handle(self) -> None:
            request = self.rfile.readline(65536).decode("latin-1")
            method, _, rest = request.partition(" ")
            target = rest.rsplit(" ", 1)[0]
            headers = []
            while True:
                line = self.rfile.readline(65536)
                if line in (b"\r\n", b"\n", b""):
                    break
                headers.append(line)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                address = (host, int(port or 443))
            else:
                url = urlsplit(target)
                address = (url.hostname or "", url.port or 80)
            if address not in ALLOWED:
                egress.refused.append(f"{address[0]}:{address[1]}")
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            egress.passed.append(f"{method} {address[0]}:{address[1]}")
            try:
                upstream = socket.create_connection(address, timeout=30)
            except OSError:
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                if method == "CONNECT":
                    self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:  # the request again, in origin form, on a connection of its own
                    url = urlsplit(target)
                    path = url.path + (f"?{url.query}" if url.query else "")
                    kept = [h for h in headers if not h.lower().startswith(
                        (b"proxy-", b"connection:"))]
                    upstream.sendall(f"{method} {path or '/'} HTTP/1.1\r\n".encode()
                                     + b"".join(kept) + b"Connection: close\r\n\r\n")
                pipe(self.connection, upstream)

    return Handler


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def egress_proxy(port: int = 0) -> Iterator[Egress]:
    """The proxy on 127.0.0.1 (a free port unless given) while the block runs."""
    egress = Egress()
    server = Server(("127.0.0.1", port), handler_for(egress))
    egress.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield egress
    finally:
        server.shutdown()
        server.server_close()
