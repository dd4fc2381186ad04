"""Self-signed certificate generation and the checks the TLS steps rely on."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from installer.tls.certinfo import covers, key_matches, summarize
from installer.tls.selfsigned import generate


def test_self_signed_certificate_names_host_and_addresses() -> None:
    pair = generate("cht.example.org", ["192.0.2.10", "2001:db8::1"])
    cert = x509.load_pem_x509_certificate(pair.certificate_pem)
    info = summarize(cert)
    assert info.names == ("cht.example.org", "192.0.2.10", "2001:db8::1")
    assert covers(info.names, "cht.example.org")
    assert covers(info.names, "192.0.2.10")
    assert not covers(info.names, "other.example.org")
    assert 800 < info.days_left() <= 825
    key = serialization.load_pem_private_key(pair.key_pem, password=None)
    assert key_matches(cert, key)


def test_a_key_from_another_pair_does_not_match() -> None:
    one, two = generate("a.example", []), generate("a.example", [])
    cert = x509.load_pem_x509_certificate(one.certificate_pem)
    assert not key_matches(cert, serialization.load_pem_private_key(two.key_pem, None))
    assert summarize(cert).fingerprint != summarize(
        x509.load_pem_x509_certificate(two.certificate_pem)).fingerprint


def test_wildcards_cover_exactly_one_label() -> None:
    names = ("*.example.org",)
    assert covers(names, "cht.example.org")
    assert not covers(names, "example.org")
    assert not covers(names, "a.cht.example.org")


def test_days_left_counts_from_now() -> None:
    start = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    cert = x509.load_pem_x509_certificate(generate("h.example", [], now=start).certificate_pem)
    assert summarize(cert).days_left(now=start + dt.timedelta(days=800)) == 25
