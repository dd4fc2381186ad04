"""The own-certificate checks: a table of real certificates made for each case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from installer.tls.checks import check
from installer.tls.material import MaterialError, load
from tests import tlsfactory as tf

HOST = "cht.example.org"


@dataclass(frozen=True)
class Case:
    certificate: bytes
    key: bytes | None
    chain: bytes | None = None
    password: str | None = None


@pytest.fixture(scope="module")
def pki() -> dict[str, tf.Issued]:
    root = tf.root()
    inter = tf.intermediate(root)
    inter2 = tf.intermediate(inter, "Test Issuing CA")
    return {"root": root, "inter": inter, "inter2": inter2, "leaf": tf.leaf(inter, HOST)}


def problems(pki: dict[str, tf.Issued], case: Case) -> list[str]:
    material = load(case.certificate, case.chain, case.key, case.password)
    return [p.reason for p in check(material, HOST, [pki["root"].cert])]


def test_a_complete_chain_for_the_host_is_good(pki: dict[str, tf.Issued]) -> None:
    leaf, inter = pki["leaf"], pki["inter"]
    assert problems(pki, Case(leaf.pem + inter.pem, leaf.key_pem())) == []
    assert problems(pki, Case(leaf.pem, leaf.key_pem(), chain=inter.pem)) == []


def test_a_key_of_another_certificate_is_refused(pki: dict[str, tf.Issued]) -> None:
    other = tf.leaf(pki["inter"], HOST)
    found = problems(pki, Case(pki["leaf"].pem + pki["inter"].pem, other.key_pem()))
    assert found == ["the key does not belong to the certificate"]


def test_expired_and_not_yet_valid(pki: dict[str, tf.Issued]) -> None:
    old = tf.leaf(pki["inter"], HOST, not_before=tf.NOW - dt.timedelta(days=400),
                  not_after=tf.NOW - dt.timedelta(days=10))
    assert any("expired" in p for p in problems(pki, Case(old.pem + pki["inter"].pem,
                                                          old.key_pem())))
    future = tf.leaf(pki["inter"], HOST, not_before=tf.NOW + dt.timedelta(days=5))
    assert any("not valid until" in p for p in problems(
        pki, Case(future.pem + pki["inter"].pem, future.key_pem())))


def test_expiring_soon_is_a_warning_only(pki: dict[str, tf.Issued]) -> None:
    soon = tf.leaf(pki["inter"], HOST, not_after=tf.NOW + dt.timedelta(days=10))
    material = load(soon.pem + pki["inter"].pem, None, soon.key_pem(), None)
    found = check(material, HOST, [pki["root"].cert])
    assert [(p.fatal, "expires in" in p.reason) for p in found] == [(False, True)]


def test_wrong_hostname_and_wildcards(pki: dict[str, tf.Issued]) -> None:
    other = tf.leaf(pki["inter"], "other.example.org")
    assert any("not cht.example.org" in p for p in problems(
        pki, Case(other.pem + pki["inter"].pem, other.key_pem())))
    wildcard = tf.leaf(pki["inter"], "*.example.org")
    assert problems(pki, Case(wildcard.pem + pki["inter"].pem, wildcard.key_pem())) == []
    deeper = tf.leaf(pki["inter"], "*.cht.example.org")
    assert any("not cht.example.org" in p for p in problems(
        pki, Case(deeper.pem + pki["inter"].pem, deeper.key_pem())))


def test_a_missing_intermediate_is_named(pki: dict[str, tf.Issued]) -> None:
    found = problems(pki, Case(pki["leaf"].pem, pki["leaf"].key_pem()))
    assert len(found) == 1 and "incomplete" in found[0] and "Test Intermediate CA" in found[0]


def test_a_chain_out_of_order_is_refused(pki: dict[str, tf.Issued]) -> None:
    deep = tf.leaf(pki["inter2"], HOST)
    found = problems(pki, Case(deep.pem + pki["inter"].pem + pki["inter2"].pem, deep.key_pem()))
    assert len(found) == 1 and "out of order" in found[0]
    assert problems(pki, Case(deep.pem + pki["inter2"].pem + pki["inter"].pem,
                              deep.key_pem())) == []


def test_an_untrusted_root_is_refused(pki: dict[str, tf.Issued]) -> None:
    stranger = tf.root("Stranger Root")
    leaf = tf.leaf(stranger, HOST)
    found = problems(pki, Case(leaf.pem + stranger.pem, leaf.key_pem()))
    assert len(found) == 1 and "not a trusted root" in found[0]


def test_der_certificate_with_a_separate_chain(pki: dict[str, tf.Issued]) -> None:
    der = pki["leaf"].cert.public_bytes(serialization.Encoding.DER)
    assert problems(pki, Case(der, pki["leaf"].key_pem(), chain=pki["inter"].pem)) == []


@pytest.mark.parametrize("password", [None, "pfx-secret"])
def test_pfx_with_and_without_password(pki: dict[str, tf.Issued], password: str | None) -> None:
    leaf, inter = pki["leaf"], pki["inter"]
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password
        else serialization.NoEncryption())
    pfx = pkcs12.serialize_key_and_certificates(b"cht", leaf.key, leaf.cert,  # type: ignore[arg-type]
                                                [inter.cert], encryption)
    assert problems(pki, Case(pfx, None, password=password)) == []
    if password:
        with pytest.raises(MaterialError, match="protected by a password"):
            load(pfx, None, None, None)
        with pytest.raises(MaterialError, match="wrong"):
            load(pfx, None, None, "not-it")


def test_an_encrypted_key_needs_its_passphrase(pki: dict[str, tf.Issued]) -> None:
    leaf, inter = pki["leaf"], pki["inter"]
    locked = leaf.key_pem(b"key-secret")
    with pytest.raises(MaterialError, match="encrypted with a passphrase"):
        load(leaf.pem + inter.pem, None, locked, None)
    with pytest.raises(MaterialError, match="wrong"):
        load(leaf.pem + inter.pem, None, locked, "nope")
    assert problems(pki, Case(leaf.pem + inter.pem, locked, password="key-secret")) == []


@pytest.mark.parametrize(("key", "words"), [
    (lambda: tf.rsa_key(1024), "RSA 1024"),
    (lambda: tf.ec_key(ec.SECP521R1()), "secp521r1"),
])
def test_weak_or_unusual_keys_are_refused(pki: dict[str, tf.Issued], key: object,
                                          words: str) -> None:
    weak = tf.leaf(pki["inter"], HOST, key=key())  # type: ignore[operator]
    found = problems(pki, Case(weak.pem + pki["inter"].pem, weak.key_pem()))
    assert any(words in p for p in found)


def test_ec_p256_is_fine(pki: dict[str, tf.Issued]) -> None:
    good = tf.leaf(pki["inter"], HOST, key=tf.ec_key(ec.SECP256R1()))
    assert problems(pki, Case(good.pem + pki["inter"].pem, good.key_pem())) == []


@pytest.mark.parametrize("data", [
    b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    b"hello, this is a text file\n",  # the cryptography library says "ParseError { ... }"
    bytes(range(256)),
])
def test_a_file_that_is_not_a_certificate_is_told_in_words(data: bytes) -> None:
    with pytest.raises(MaterialError) as refused:
        load(data, None, b"", None)
    assert refused.value.reason.startswith("the certificate file is not a certificate")
    assert "Error" not in refused.value.reason and "{" not in refused.value.reason
    assert "openssl x509 -in FILE" in refused.value.fix


def test_a_file_that_is_not_a_key_is_told_in_words(pki: dict[str, tf.Issued]) -> None:
    with pytest.raises(MaterialError) as refused:
        load(pki["leaf"].pem, None, b"not a key at all", None)
    assert refused.value.reason.startswith("the key file is not a private key")
    assert "Error" not in refused.value.reason


def test_an_ec_key_is_refused_for_cht_3_whose_nginx_offers_only_rsa_suites(
        pki: dict[str, tf.Issued]) -> None:
    good = tf.leaf(pki["inter"], HOST, key=tf.ec_key(ec.SECP256R1()))
    material = load(good.pem + pki["inter"].pem, None, good.key_pem(), None)
    found = check(material, HOST, [pki["root"].cert], rsa_only=True)
    assert len(found) == 1 and "only RSA cipher suites" in found[0].reason
    assert "openssl req -new -newkey rsa:2048" in found[0].fix


def test_a_private_ca_made_with_the_classic_openssl_commands_is_accepted(tmp_path: Path) -> None:
    """`openssl req -x509` (no keyUsage on the CA) and `openssl x509 -req -extfile` with a
    subjectAltName: phones accept the chain once the CA is installed on them."""
    tf.openssl_recipe(tmp_path, HOST)
    material = load((tmp_path / "cert.pem").read_bytes(), None,
                    (tmp_path / "key.pem").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    assert check(material, HOST, [ca], rsa_only=True) == []


def test_a_ca_not_marked_as_a_ca_is_named_with_the_command_that_fixes_it(
        tmp_path: Path) -> None:
    tf.openssl_recipe(tmp_path, HOST, ca_extensions=False)
    material = load((tmp_path / "cert.pem").read_bytes(), None,
                    (tmp_path / "key.pem").read_bytes(), None)
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    found = check(material, HOST, [ca])
    assert len(found) == 1
    assert "the CA certificate Not A CA is not marked as a CA" in found[0].reason
    assert "basicConstraints=critical,CA:TRUE" in found[0].fix
