"""Reading an operator's certificate, chain and key: PEM, DER or PKCS#12/PFX (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

PEM_CERT = b"-----BEGIN CERTIFICATE-----"


class MaterialError(ValueError):
    """Files that cannot be used, with what to do about it."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True)
class Material:
    leaf: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # as given, after the leaf
    key: PrivateKeyTypes

    def fullchain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.leaf, *self.chain))

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _certificates(data: bytes, what: str) -> list[x509.Certificate]:
    try:
        if PEM_CERT in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise MaterialError(
            f"the {what} file is not a certificate (neither a PEM file with "
            "-----BEGIN CERTIFICATE----- lines, nor a DER or PFX certificate file)",
            f"Point tls.{what} at the certificate file your CA gave you (often .crt, .pem "
            "or .pfx); `openssl x509 -in FILE -noout -subject` shows whether a file is "
            "one.") from exc


def _key(data: bytes, password: str | None) -> PrivateKeyTypes:
    secret = password.encode() if password else None
    loaders = (serialization.load_pem_private_key if b"-----BEGIN" in data
               else serialization.load_der_private_key)
    try:
        return loaders(data, secret)
    except TypeError as exc:  # encrypted and no password, or a password it does not need
        if secret is None:
            raise MaterialError("the key is encrypted with a passphrase",
                                "Give its passphrase: [[tls.password]].") from exc
        return loaders(data, None)
    except ValueError as exc:
        if secret is not None and b"ENCRYPTED" in data:
            raise MaterialError("the key's passphrase is wrong",
                                "Check the passphrase and try again.") from exc
        raise MaterialError("the key file is not a private key (neither PEM with "
                            "-----BEGIN ... PRIVATE KEY----- lines, nor DER)",
                            "Point [[tls.key]] at the private key that goes with the "
                            "certificate (made with its request, often .key).") from exc


def _pfx(data: bytes, password: str | None) -> Material | None:
    """A PKCS#12 file (leaf, key and chain in one), or None when the data is not one."""
    try:
        bundle = pkcs12.load_pkcs12(data, password.encode() if password else None)
    except ValueError as exc:
        message = str(exc).lower()
        if "password" in message or "mac" in message:
            if password:
                raise MaterialError("the PFX file's password is wrong",
                                    "Check the password and try again.") from exc
            raise MaterialError("the PFX file is protected by a password",
                                "Give it: [[tls.password]].") from exc
        return None
    if bundle.cert is None or bundle.key is None:
        raise MaterialError("the PFX file lacks its certificate or its key",
                            "Export it again with both the certificate and the private key.")
    chain = tuple(c.certificate for c in bundle.additional_certs)
    return Material(bundle.cert.certificate, chain, bundle.key)


def load(certificate: bytes, chain: bytes | None, key: bytes | None,
         password: str | None) -> Material:
    """The leaf, chain (leaf's issuer first) and key from the operator's files."""
    if PEM_CERT not in certificate:
        try:
            x509.load_der_x509_certificate(certificate)
        except ValueError:
            bundle = _pfx(certificate, password)
            if bundle is not None:
                extra = tuple(_certificates(chain, "chain")) if chain else ()
                return Material(bundle.leaf, bundle.chain + extra, bundle.key)
    certs = _certificates(certificate, "certificate")
    if chain:
        certs += _certificates(chain, "chain")
    if key is None:
        raise MaterialError("no private key was given",
                            "Set [[tls.key]] to the key file (a PFX file carries its own).")
    return Material(certs[0], tuple(certs[1:]), _key(key, password))
