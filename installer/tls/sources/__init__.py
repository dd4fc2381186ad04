"""Where the certificate comes from: one module per source (self-signed, the operator's own
files, Let's Encrypt), each with the same two functions, chosen by the answers' tls.mode."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from installer.tls.sources import letsencrypt, self_signed

if TYPE_CHECKING:
    from installer.step import Context, Finding


class Source(Protocol):
    def probe(self, ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
        """Whether the installed pair (None: none yet) is this source's, and good."""
        ...

    def obtain(self, ctx: Context) -> None:
        """Get a new pair from this source and install it (tls/installed.py)."""
        ...


class OnFirstUse:
    """A source whose module is imported when it is first asked: the operator's own files
    are read with the cryptography library, which the other sources' probes do without."""

    def __init__(self, module: str) -> None:
        self.module = module

    def _source(self) -> Source:
        found: Source = importlib.import_module(self.module)
        return found

    def probe(self, ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
        return self._source().probe(ctx, pair)

    def obtain(self, ctx: Context) -> None:
        self._source().obtain(ctx)


SOURCES: dict[str, Source] = {"self-signed": self_signed,
                              "own": OnFirstUse("installer.tls.sources.own"),
                              "letsencrypt": letsencrypt}
