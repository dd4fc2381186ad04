"""A real pseudo-terminal to run cht-install on: read what it prints, type, hang up."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Sequence
from pathlib import Path

import pyte

REPO = Path(__file__).resolve().parents[2]


class Terminal:
    def __init__(self, argv: Sequence[str], cols: int = 80, rows: int = 24,
                 env: dict[str, str] | None = None) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the terminal's session leader
            os.chdir(REPO)
            # As a shell starts a program in the foreground: Ctrl-C interrupts it, even when
            # the tests themselves were started in the background (which ignores SIGINT, and
            # an ignored signal stays ignored across exec).
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)
            os.execvpe(argv[0], list(argv), {**os.environ, **(env or {})})
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = b""
        # What the screen shows: cht-install sends only the cells that changed, so a line
        # that is on the screen may never have been written whole.
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.status: int | None = None

    @classmethod
    def cht_install(cls, *args: str, **kwargs: object) -> Terminal:
        return cls([sys.executable, "-m", "installer.cli", *args], **kwargs)  # type: ignore[arg-type]

    def read(self, seconds: float = 0.2) -> bytes:
        got = b""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        self.output += got
        self.stream.feed(got)
        return got

    def shown(self) -> str:
        """The screen's lines as a person reads them."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern.encode())
        while time.monotonic() < deadline:
            match = regex.search(self.output) or regex.search(self.shown().encode())
            if match:
                return match.group(0).decode(errors="replace")
            self.read(0.5)
            if self.exited() and not (regex.search(self.output)
                                      or regex.search(self.shown().encode())):
                break
        raise AssertionError(f"{pattern!r} never appeared; the terminal showed:\n"
                             + self.shown() + "\n(its last bytes:)\n"
                             + self.output.decode(errors="replace")[-3000:])

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def hang_up(self) -> None:
        """What an SSH disconnect does: the terminal's far side closes."""
        os.close(self.fd)

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                raise AssertionError("cht-install did not exit")
            try:
                self.read(0.2)
            except OSError:
                time.sleep(0.2)
        assert self.status is not None
        return self.status
