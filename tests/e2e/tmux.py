"""A real terminal emulator to read screens from: tmux at a given size, keys in,
capture-pane out (what the operator would see)."""

from __future__ import annotations

import subprocess
import time
import uuid


class Tmux:
    def __init__(self, command: str, cols: int = 80, rows: int = 24,
                 env: dict[str, str] | None = None) -> None:
        self.name = f"cht-{uuid.uuid4().hex[:8]}"
        # A server of its own (-L): a shared one exits with its last session, and a
        # session started in that instant fails with "server exited unexpectedly".
        self.tmux = ["tmux", "-L", self.name]
        settings = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", str(cols),
                        "-y", str(rows), *settings, command], check=True)
        subprocess.run([*self.tmux, "set-option", "-t", self.name, "remain-on-exit", "on"],
                       check=True)

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([*self.tmux, "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.3)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, text: str, timeout: float = 60) -> str:
        return self.wait_for_any(text, timeout=timeout)

    def wait_for_any(self, *texts: str, timeout: float = 60) -> str:
        """The screen once one of ``texts`` shows on it."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if any(text in shown for text in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"none of {texts!r} showed; the screen:\n{shown}")
            time.sleep(0.3)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False,
                       capture_output=True)
