"""The roots a phone would trust: the system's CA bundle, plus tls.trust_store."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from installer.host import Host

if TYPE_CHECKING:
    from cryptography import x509

SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt",  # RHEL family, Amazon Linux
    "/etc/ssl/ca-bundle.pem",  # SUSE
)


def roots_pem(host: Host, extra: str | None) -> str:
    """The PEM text of every trusted root (the system's first bundle found, and extra)."""
    parts = []
    for bundle in SYSTEM_BUNDLES:
        text = host.read_text(Path(bundle))
        if text:
            parts.append(text)
            break
    if extra:
        parts.append(host.read_text(Path(extra)) or "")
    return "\n".join(parts)


def roots(pem: str) -> list[x509.Certificate]:
    """Each certificate of a bundle; one that does not parse is skipped, not fatal."""
    from cryptography import x509

    found = []
    end = "-----END CERTIFICATE-----"
    for block in pem.split(end)[:-1]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # old roots with non-RFC serial numbers
            try:
                found.append(x509.load_pem_x509_certificate((block + end).strip().encode()))
            except ValueError:
                continue
    return found
