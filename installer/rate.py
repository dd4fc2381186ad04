"""Speed and time left of long work (a pull), from its progress over the last seconds."""

from __future__ import annotations

import time
from collections import deque

BYTES_AT_LEAST = 1_000_000  # progress with a total this big counts bytes


class Rate:
    def __init__(self, window: float = 5.0) -> None:
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def update(self, done: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self.samples and done < self.samples[-1][1]:
            self.samples.clear()  # started over (another step, a retried pull)
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.popleft()

    def speed(self) -> float | None:
        """Units per second; None until there is enough to tell."""
        if len(self.samples) < 2:
            return None
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 - t0 >= 0.5 else None

    def summary(self, done: int, total: int) -> str:
        """"2.9 MB/s, 8 s left" for work counted in bytes ("" when it cannot be told yet,
        or the work is counted in steps or percent)."""
        speed = self.speed()
        if not speed or speed <= 0 or total < BYTES_AT_LEAST:
            return ""
        left = max(0.0, (total - done) / speed)
        return f"{speed / 1e6:.1f} MB/s, {duration(left)} left"


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
