"""A slow TCP link to the local registry (127.0.0.1:5001 -> 5000), so that a pull lasts
long enough to break it on purpose: hang up a terminal, stop the registry, kill a run."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType


class SlowLink:
    def __init__(self, port: int = 5001, target: tuple[str, int] = ("127.0.0.1", 5000),
                 bytes_per_second: int = 3_000_000, latency: float = 1.5) -> None:
        self.port = port
        self.target = target
        self.rate = bytes_per_second
        # each request waits this long: a pull lasts even when Docker already has the
        # big layers (the stand-ins share their base layer with anything built on it)
        self.latency = latency
        self.listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.listener.settimeout(0.2)
        self.closed = threading.Event()
        self.carried = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> SlowLink:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.closed.set()
        self._thread.join(5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()  # the registry is down: so is the link
                continue
            for src, dst, slow in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(target=self._pump, args=(src, dst, slow), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, slow: bool) -> None:
        try:
            while not self.closed.is_set():
                data = src.recv(16384)
                if not data:
                    break
                if not slow:
                    time.sleep(self.latency)
                dst.sendall(data)
                if slow:
                    self.carried += len(data)
                    time.sleep(len(data) / self.rate)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
