"""An operator's own certificate on the live install: checked, installed, and verified on
the wire the way a phone does (chain up to a trusted root, host name)."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tests import tlsfactory as tf
from tests.e2e.conftest import (
    Installed,
    InstallRun,
    cht_install,
    phone_context,
    with_known_password,
)

HOST = "cht.own.test"


def install(root: Path, files: Path, *extra: str) -> InstallRun:
    return cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(root),
                       "--hostname", HOST, "--accept-warnings", "--docker-source", "distro",
                       "--tls-mode", "own", "--tls-certificate", str(files / "cert.pem"),
                       "--tls-key", str(files / "key.pem"),
                       "--tls-trust-store", str(files / "ca.pem"), *extra)


def served_verified(ca: bytes) -> x509.Certificate:
    """Handshake as a phone would: chain to the CA, name checked; the leaf served."""
    context = phone_context(cadata=ca.decode())
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def test_own_certificate_is_installed_and_verifies_like_a_phone(
    fresh_install: Installed, tmp_path: Path
) -> None:
    root = with_known_password(fresh_install, tmp_path / "server")
    files = tmp_path / "files"
    files.mkdir()
    ca = tf.root()
    inter = tf.intermediate(ca)
    leaf = tf.leaf(inter, HOST)
    (files / "ca.pem").write_bytes(ca.pem)
    (files / "cert.pem").write_bytes(leaf.pem + inter.pem)
    (files / "key.pem").write_bytes(leaf.key_pem())

    first = install(root, files)
    assert first.returncode == 0, first.output
    assert "chain verified for the name" in first.output
    assert served_verified(ca.pem) == leaf.cert

    # A new certificate without its intermediate: refused, and the working one stays.
    newer = tf.leaf(inter, HOST)
    (files / "cert.pem").write_bytes(newer.pem)
    (files / "key.pem").write_bytes(newer.key_pem())
    refused = install(root, files)
    assert refused.returncode == 1
    assert "incomplete" in refused.output and "Android" in refused.output
    assert served_verified(ca.pem) == leaf.cert

    # With its chain it is installed; the previous pair is kept until replaced again.
    (files / "cert.pem").write_bytes(newer.pem + inter.pem)
    renewed = install(root, files)
    assert renewed.returncode == 0, renewed.output
    assert served_verified(ca.pem) == newer.cert
    previous = root / "etc/cht-install/tls/cht.crt.previous"
    assert previous.read_bytes().startswith(leaf.pem)

    again = install(root, files)
    assert again.returncode == 0 and "nothing was changed" in again.output


def test_a_phone_that_does_not_trust_the_ca_refuses_the_server(healthy: Path) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        served_verified(tf.root("Unrelated").pem)


def test_a_private_ca_made_with_the_classic_openssl_commands_works_on_the_wire(
    fresh_install: Installed, tmp_path: Path
) -> None:
    """The CA from `openssl req -x509` (no keyUsage), the server's certificate from
    `openssl x509 -req -CA ... -extfile` with a subjectAltName: phones with the CA
    installed accept it, and so does cht-install, proven by a verifying handshake."""
    root = with_known_password(fresh_install, tmp_path / "server")
    files = tmp_path / "files"
    files.mkdir()
    tf.openssl_recipe(files, HOST)
    run = install(root, files)
    assert run.returncode == 0, run.output
    assert "chain verified for the name" in run.output
    served = served_verified((files / "ca.pem").read_bytes())
    assert served == x509.load_pem_x509_certificate((files / "cert.pem").read_bytes())


def test_an_ec_certificate_is_refused_for_cht_3_before_anything_changes(
    fresh_install: Installed, tmp_path: Path
) -> None:
    """medic-os's nginx offers only RSA suites: an EC certificate would fail every
    handshake, so the real command refuses it and the served certificate stays."""
    root = with_known_password(fresh_install, tmp_path / "server")
    files = tmp_path / "files"
    files.mkdir()
    ca = tf.root()
    leaf = tf.leaf(ca, HOST, key=tf.ec_key(ec.SECP256R1()))
    (files / "ca.pem").write_bytes(ca.pem)
    (files / "cert.pem").write_bytes(leaf.pem)
    (files / "key.pem").write_bytes(leaf.key_pem())
    before = served_der()
    run = install(root, files)
    assert run.returncode == 1, run.output
    assert "only RSA cipher suites" in run.output and "rsa:2048" in run.output
    assert not (root / "etc/cht-install/tls/cht.crt").exists()
    assert served_der() == before


def served_der() -> bytes:
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der
