"""Frames that come a moment apart sent as one: Textual draws a new screen in several frames
(its layout, then scrollbars, focus and keys), and what a later one draws again need not
cross a slow link for the earlier one too. The app's first frame is not held: the first
screen shows as soon as it is drawn."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

QUIET = 0.04  # seconds without a new frame before what is held is sent
LONGEST = 0.25  # seconds a frame is held at most, however many follow it
DRAWS = re.compile(r"\x1b\[\d+;\d+H")  # a frame puts the cursor somewhere; mode switches do not


class Hold:
    """Holds what is written until the writing pauses, then hands it on in one piece to
    ``send`` (from its own thread); ``stop`` hands on what is held and holds no more.
    After ``start``, what is written goes at once until the first frame has gone."""

    def __init__(self, send: Callable[[str], None]) -> None:
        self.send = send
        self.lock = threading.Condition()  # also held while ``send`` runs
        self._held: list[str] = []
        self._began = self._last = 0.0  # when the first and the last held frame came
        self._holding = False
        self._first = True  # the first frame since start has not gone yet
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self.lock:
            self._holding, self._first = True, True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="hold-frames",
                                                daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self.lock:
            self._holding = False
            self._hand_on()
            self.lock.notify()

    def write(self, data: str) -> bool:
        """Holds ``data``, or sends it at once; whether it is held."""
        with self.lock:
            if not self._holding or self._first:
                self._hand_on()
                self.send(data)
                self._first = self._first and not DRAWS.search(data)
                return False
            now = time.monotonic()
            if not self._held:
                self._began = now
            self._held.append(data)
            self._last = now
            self.lock.notify()
            return True

    def flush(self) -> None:
        """Hands on what is held now: the app has drawn all it had to."""
        with self.lock:
            self._hand_on()

    def _hand_on(self) -> None:
        if self._held:
            data = "".join(self._held)
            self._held.clear()
            self.send(data)

    def _run(self) -> None:
        with self.lock:
            while self._holding:
                if not self._held:
                    self.lock.wait()
                    continue
                due = min(self._last + QUIET, self._began + LONGEST)
                left = due - time.monotonic()
                if left > 0:
                    self.lock.wait(left)
                    continue
                try:
                    self._hand_on()
                except BaseException:
                    self._holding = False  # the next write goes straight, and fails there
                    raise
