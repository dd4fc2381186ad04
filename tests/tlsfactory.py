"""Certificates for tests: a root, intermediates and leaves with the properties a case needs."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password
            else serialization.NoEncryption())
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8, encryption)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _build(subject: str, key: CertificateIssuerPrivateKeyTypes, issuer: Issued | None,
           ca: bool, names: tuple[str, ...] = (), not_before: dt.datetime | None = None,
           not_after: dt.datetime | None = None) -> Issued:
    signer = issuer.key if issuer else key
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            signer.public_key()), critical=False)  # type: ignore[arg-type]
    )
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=isinstance(key, rsa.RSAPrivateKey), data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
            decipher_only=False), critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def root(name: str = "Test Root CA") -> Issued:
    return _build(name, rsa_key(), None, ca=True,
                  not_after=NOW + dt.timedelta(days=3650))


def intermediate(issuer: Issued, name: str = "Test Intermediate CA") -> Issued:
    return _build(name, rsa_key(), issuer, ca=True, not_after=NOW + dt.timedelta(days=1825))


def leaf(issuer: Issued, *names: str, key: CertificateIssuerPrivateKeyTypes | None = None,
         not_before: dt.datetime | None = None, not_after: dt.datetime | None = None) -> Issued:
    return _build(names[0], key or rsa_key(), issuer, ca=False, names=names,
                  not_before=not_before, not_after=not_after)


def ec_key(curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve)


def self_signed(name: str, not_before: dt.datetime | None = None,
                not_after: dt.datetime | None = None) -> Issued:
    """A server certificate signed by its own key (what cht-install's self-signed mode makes)."""
    return _build(name, rsa_key(), None, ca=False, names=(name,), not_before=not_before,
                  not_after=not_after)


def openssl_recipe(workdir: Path, host: str, ca_extensions: bool = True) -> None:
    """A private CA and a server certificate the classic way, with the openssl command:
    `openssl req -x509` for the CA (no keyUsage; with ca_extensions=False not even
    basicConstraints), `openssl x509 -req -CA ... -extfile` with a subjectAltName.
    Writes ca.pem, ca.key, cert.pem and key.pem in workdir."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=workdir, check=True, capture_output=True)

    plain = [] if ca_extensions else ["-config", "ca.cnf", "-extensions", "plain"]
    (workdir / "ca.cnf").write_text("[req]\ndistinguished_name=dn\n[dn]\n[plain]\n"
                                    "subjectKeyIdentifier=hash\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj",
            "/CN=Clinic Private CA" if ca_extensions else "/CN=Not A CA", *plain,
            "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}", "-keyout",
            "key.pem", "-out", "cht.csr")
    (workdir / "san.ext").write_text(f"subjectAltName=DNS:{host}\n")
    openssl("x509", "-req", "-in", "cht.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "365", "-extfile", "san.ext", "-out", "cert.pem")
