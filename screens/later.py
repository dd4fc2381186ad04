"""The session, made once the first screen shows (in the welcome screen's thread): the
engine's imports are most of a cold start, and the welcome screen needs only what the
journal says."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from installer.journal import RunLock, ever_finished
from installer.options import Options
from installer.paths import Paths

if TYPE_CHECKING:
    from installer.session import Session


class SessionLater:
    """A session to be; its paths, whether CHT was installed here and whether a run is
    going are known at once."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.paths = Paths.under(options.root)
        self.had_cht = options.os_release is None and ever_finished(self.paths.journal)
        self._made: Session | None = None
        self._error: Exception | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        return RunLock.holder(self.paths.lock) is not None

    def _make(self) -> None:
        with self._lock:
            if self._made is None and self._error is None:
                try:
                    from installer.session import Session

                    self._made = Session(self.options)
                except Exception as exc:  # told by get(), in the thread that needs it
                    self._error = exc

    def get(self) -> Session:
        """The session: made here, or waited for while another thread makes it."""
        self._make()
        if self._error is not None:
            raise self._error
        assert self._made is not None
        return self._made
