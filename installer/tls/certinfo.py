"""Reading a certificate and key: fingerprint, names, validity, key match. From PEM, the
probes' way, by installer/tls/der.py; the cryptography library (loaded only then) reads
what that does not know, and the objects the other TLS code holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from installer.tls import der

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


@dataclass(frozen=True)
class CertSummary:
    fingerprint: str
    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.timezone.utc)
        return (self.not_after - now).days


def fingerprint_der(data: bytes) -> str:
    return hashlib.sha256(data).digest().hex(":").upper()


def load_pem_certificate(pem: bytes) -> x509.Certificate:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem)


def pem_summary(pem: bytes) -> CertSummary:
    """The first certificate of PEM data, summed up; ValueError when it does not parse."""
    try:
        cert = der.certificate(pem)
    except der.Unknown:
        return summarize(load_pem_certificate(pem))
    return CertSummary(fingerprint=fingerprint_der(cert.der), names=tuple(cert.names),
                       not_before=cert.not_before, not_after=cert.not_after)


def pem_self_issued(pem: bytes) -> bool:
    """Whether the certificate's issuer is its subject; ValueError when it does not parse."""
    try:
        cert = der.certificate(pem)
    except der.Unknown:
        found = load_pem_certificate(pem)
        return bool(found.issuer == found.subject)
    return cert.issuer == cert.subject


def pem_pair_matches(cert_pem: bytes, key_pem: bytes) -> bool:
    """Whether the private key is the certificate's; ValueError when either does not parse
    (an encrypted key among them)."""
    try:
        return der.certificate(cert_pem).public_key == der.private_public_key(key_pem)
    except der.Unknown:
        from cryptography.hazmat.primitives import serialization

        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
        except TypeError as exc:  # encrypted
            raise ValueError("the key is encrypted (it needs a password)") from exc
        return key_matches(load_pem_certificate(cert_pem), key)


def summarize(cert: x509.Certificate) -> CertSummary:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += san.get_values_for_type(x509.DNSName)
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    return CertSummary(
        fingerprint=fingerprint_der(cert.public_bytes(serialization.Encoding.DER)),
        names=tuple(names),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def covers(names: tuple[str, ...], hostname: str) -> bool:
    """Whether a SAN list covers the host name (one-label wildcards, IPs exactly)."""
    host = hostname.lower().rstrip(".")
    try:
        wanted_ip = ipaddress.ip_address(host)
        return any(_same_ip(name, wanted_ip) for name in names)
    except ValueError:
        pass
    for name in (n.lower().rstrip(".") for n in names):
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            if host.split(".", 1)[1] == name[2:]:
                return True
    return False


def _same_ip(name: str, wanted: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(name) == wanted
    except ValueError:
        return False


def key_matches(cert: x509.Certificate, key: PrivateKeyTypes) -> bool:
    from cryptography.hazmat.primitives import serialization

    def public_der(obj: object) -> bytes:
        return obj.public_key().public_bytes(  # type: ignore[attr-defined, no-any-return]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return public_der(cert) == public_der(key)
