"""The probes read certificates and keys without the cryptography library
(installer/tls/der.py): on every kind cht-install meets, each answer is the library's."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from installer.tls import der
from installer.tls.certinfo import (
    key_matches,
    pem_pair_matches,
    pem_self_issued,
    pem_summary,
    summarize,
)
from installer.tls.selfsigned import generate
from tests import tlsfactory as tf

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
FORMATS = {"PKCS8": serialization.PrivateFormat.PKCS8,
           "traditional": serialization.PrivateFormat.TraditionalOpenSSL}


def key_pem(key: CertificateIssuerPrivateKeyTypes, form: str) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, FORMATS[form],
                             serialization.NoEncryption())


def made(key: CertificateIssuerPrivateKeyTypes, names: list[x509.GeneralName],
         until: dt.datetime, issuer: tf.Issued | None = None) -> bytes:
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "cht.example.org")])
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(days=2)).not_valid_after(until))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    signer = issuer.key if issuer else key
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algorithm).public_bytes(  # type: ignore[arg-type]
        serialization.Encoding.PEM)


KEYS = {"rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": lambda: ec.generate_private_key(ec.SECP256R1()),
        "ec384": lambda: ec.generate_private_key(ec.SECP384R1())}
NAMES = [x509.DNSName("cht.example.org"), x509.DNSName("*.example.org"),
         x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
         x509.IPAddress(ipaddress.ip_address("2001:db8::1"))]


@pytest.mark.parametrize("kind", sorted(KEYS))
@pytest.mark.parametrize("until", [dt.timedelta(days=90), dt.timedelta(days=365 * 40)],
                         ids=["UTCTime", "GeneralizedTime"])
@pytest.mark.parametrize("names", [NAMES, []], ids=["with names", "no names"])
def test_a_certificate_reads_as_the_library_reads_it(
        kind: str, until: dt.timedelta, names: list[x509.GeneralName]) -> None:
    key = KEYS[kind]()
    pem = made(key, names, NOW + until)
    der.certificate(pem)  # read here, not left to the library
    assert pem_summary(pem) == summarize(x509.load_pem_x509_certificate(pem))
    assert pem_self_issued(pem) is True
    for form in FORMATS:
        assert pem_pair_matches(pem, key_pem(key, form)) is True
        assert pem_pair_matches(pem, key_pem(KEYS[kind](), form)) is False
        der.private_public_key(key_pem(key, form))


def test_a_certificate_a_ca_issued_is_not_self_issued_and_its_key_is_its_own() -> None:
    ca = tf.root()
    issued = tf.leaf(ca, "cht.example.org")
    assert pem_self_issued(issued.pem) is False
    assert pem_pair_matches(issued.pem, issued.key_pem()) is True
    assert pem_pair_matches(issued.pem, ca.key_pem()) is False
    assert pem_summary(ca.pem + issued.pem) == summarize(ca.cert)  # the first in the file


def test_the_self_signed_pair_cht_install_makes_reads_the_same() -> None:
    pair = generate("cht.example.org", ["192.0.2.7"])
    cert = x509.load_pem_x509_certificate(pair.certificate_pem)
    assert pem_summary(pair.certificate_pem) == summarize(cert)
    assert pem_pair_matches(pair.certificate_pem, pair.key_pem) is True
    assert key_matches(cert, serialization.load_pem_private_key(pair.key_pem, None))


def test_what_the_reader_does_not_know_is_left_to_the_library() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = made(key, NAMES[:1], NOW + dt.timedelta(days=10))
    with pytest.raises(der.Unknown):
        der.certificate(pem)
    assert pem_summary(pem) == summarize(x509.load_pem_x509_certificate(pem))
    assert pem_pair_matches(pem, key_pem(key, "PKCS8")) is True


def test_an_encrypted_or_broken_key_or_certificate_is_a_parse_error() -> None:
    issued = tf.leaf(tf.root(), "cht.example.org")
    with pytest.raises(ValueError):
        pem_pair_matches(issued.pem, issued.key_pem(password=b"secret"))
    with pytest.raises(ValueError):
        pem_summary(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(ValueError):
        pem_summary(b"not a certificate")
    cut = issued.pem.replace(issued.pem.splitlines()[5], b"")
    with pytest.raises(ValueError):
        pem_summary(cut)
