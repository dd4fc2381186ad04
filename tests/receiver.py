"""A webhook receiver on loopback (http.server in a thread) that records what it gets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Got:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200
        self.url = ""

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, _, body in self.requests if body.startswith(b"{")]

    def wait_for(self, status: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [b for b in self.bodies() if b.get("status") == status]
            if found:
                return found[0]
            time.sleep(1)
        return None


@contextmanager
def receiving(port: int = 0) -> Iterator[Got]:
    got = Got()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            got.requests.append((self.path, dict(self.headers), self.rfile.read(length)))
            self.send_response(got.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_receiving() -> Iterator[tuple[int, list[bytes]]]:
    """An SMTP server on loopback that accepts every message: (its port, the messages)."""
    import socketserver

    messages: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            def reply(line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            reply("220 receiver ESMTP")
            while line := self.rfile.readline():
                command = line.decode(errors="replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    reply("250 receiver")
                elif command == "DATA":
                    reply("354 go on")
                    body = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                        body += chunk
                    messages.append(body)
                    reply("250 queued")
                elif command == "QUIT":
                    reply("221 bye")
                    return
                else:  # MAIL FROM, RCPT TO, RSET, NOOP
                    reply("250 ok")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], messages
    finally:
        server.shutdown()
        server.server_close()
