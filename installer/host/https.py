"""The TLS client the seam uses to ask CHT over HTTPS as a phone would."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass




CLIENT_CIPHERS = "DEFAULT:@SECLEVEL=1"
MAX_REPLY = 1 << 20


def client_context(trust: str | None) -> ssl.SSLContext:
    """A TLS client like a phone's: verifying against ``trust`` when given, else only
    collecting the served certificate (the caller pins its fingerprint)."""
    context = ssl.create_default_context(cadata=trust) if trust else ssl.create_default_context()
    context.set_ciphers(CLIENT_CIPHERS)
    if trust is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def read_reply(tls: ssl.SSLSocket) -> bytes:
    """An HTTP/1.1 reply with Connection: close, up to 1 MiB."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_REPLY:
        try:
            chunk = tls.recv(65536)
        except (ssl.SSLError, OSError):
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
