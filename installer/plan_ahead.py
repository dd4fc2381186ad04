"""The plan screen's content made ahead, in a thread, while the operator reads the
settings: shown in the plan screen's first frame when the answers have not changed since."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from installer.answers import InstallConfig
from installer.runner import PlannedStep


@dataclass(frozen=True)
class Preview:
    """What the plan screen shows for one set of answers."""

    planned: list[PlannedStep]
    phones: tuple[bool, str]  # whether phones could fail to reach the host name, and why
    changes: list[str]  # the answers that differ from the last run's, one line each
    begun: float  # time.monotonic() when its probes began


class Ahead:
    """A preview being made in a thread for one set of answers."""

    def __init__(self, config: InstallConfig, make: Callable[[InstallConfig], Preview]) -> None:
        self.config = config
        self._made: Preview | None = None
        self._done = threading.Event()

        def work() -> None:
            try:
                self._made = make(config)
            except Exception:  # noqa: BLE001, S110 - made again where needed, and told there
                pass
            finally:
                self._done.set()

        threading.Thread(target=work, name="plan-ahead", daemon=True).start()

    def ready(self) -> Preview | None:
        """The preview if it is made (None while it is being made or when it failed)."""
        return self._made if self._done.is_set() else None

    def wait(self) -> Preview | None:
        """The preview once it is made; None when making it failed."""
        self._done.wait()
        return self._made
