"""Where the certificate comes from: one module per source (self-signed, the operator's own
files, Let's Encrypt), each with the same two functions, chosen by the answers' tls.mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from installer.tls.sources import letsencrypt, own, self_signed

if TYPE_CHECKING:
    from installer.step import Context, Finding


class Source(Protocol):
    def probe(self, ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
        """Whether the installed pair (None: none yet) is this source's, and good."""
        ...

    def obtain(self, ctx: Context) -> None:
        """Get a new pair from this source and install it (tls/installed.py)."""
        ...


SOURCES: dict[str, Source] = {"self-signed": self_signed, "own": own,
                              "letsencrypt": letsencrypt}
