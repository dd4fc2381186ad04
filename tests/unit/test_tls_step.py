"""tls.certificate with the operator's own files: bad ones change nothing on the host;
good ones are installed as leaf+chain and a 0600 key, the old pair kept."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from installer.answers import from_mapping
from installer.events import Event, StepFailed
from installer.host import RealHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.runner import Runner
from installer.step import Context
from installer.steps.tls import TlsCertificate
from tests import tlsfactory as tf

HOST = "cht.example.org"


@pytest.fixture(scope="module")
def pki() -> dict[str, tf.Issued]:
    root = tf.root()
    inter = tf.intermediate(root)
    return {"root": root, "inter": inter, "leaf": tf.leaf(inter, HOST)}


def run(tmp_path: Path, pki: dict[str, tf.Issued], cert: bytes, key: bytes,
        ) -> tuple[bool, list[Event], Paths]:
    files = tmp_path / "operator"
    files.mkdir(exist_ok=True)
    (files / "cert.pem").write_bytes(cert)
    (files / "key.pem").write_bytes(key)
    (files / "ca.pem").write_bytes(pki["root"].pem)
    config = from_mapping({"hostname": HOST, "tls": {
        "mode": "own", "certificate": str(files / "cert.pem"), "key": str(files / "key.pem"),
        "trust_store": str(files / "ca.pem")}})
    paths = Paths.under(tmp_path / "server")
    events: list[Event] = []
    ctx = Context(host=RealHost(paths.log), config=config, paths=paths,
                  platform=detect(), emit=events.append, line=line_for(config))
    result = Runner([TlsCertificate()], ctx, [events.append]).run()
    return result.ok, events, paths


def test_a_good_certificate_is_installed_with_its_chain(
    tmp_path: Path, pki: dict[str, tf.Issued]
) -> None:
    ok, _, paths = run(tmp_path, pki, pki["leaf"].pem + pki["inter"].pem, pki["leaf"].key_pem())
    assert ok
    assert paths.certificate.read_bytes() == pki["leaf"].pem + pki["inter"].pem
    assert stat.S_IMODE(paths.private_key.stat().st_mode) == 0o600


def test_replacing_a_certificate_keeps_the_previous_one(
    tmp_path: Path, pki: dict[str, tf.Issued]
) -> None:
    run(tmp_path, pki, pki["leaf"].pem + pki["inter"].pem, pki["leaf"].key_pem())
    newer = tf.leaf(pki["inter"], HOST)
    ok, _, paths = run(tmp_path, pki, newer.pem + pki["inter"].pem, newer.key_pem())
    assert ok
    assert paths.certificate.read_bytes().startswith(newer.pem)
    previous = paths.certificate.with_suffix(".crt.previous")
    assert previous.read_bytes().startswith(pki["leaf"].pem)


BAD_CASES = ["wrong key", "missing intermediate", "wrong host", "expired", "not yet valid",
             "out of order", "weak key", "wildcard mismatch", "untrusted root"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_certificates_change_nothing(
    tmp_path: Path, pki: dict[str, tf.Issued], case: str
) -> None:
    leaf, inter = pki["leaf"], pki["inter"]
    inter2 = tf.intermediate(inter, "Test Issuing CA")
    stranger = tf.root("Stranger Root")
    made = {
        "expired": tf.leaf(inter, HOST, not_before=tf.NOW.replace(year=tf.NOW.year - 2),
                           not_after=tf.NOW.replace(year=tf.NOW.year - 1)),
        "not yet valid": tf.leaf(inter, HOST, not_before=tf.NOW.replace(year=tf.NOW.year + 1),
                                 not_after=tf.NOW.replace(year=tf.NOW.year + 2)),
        "out of order": tf.leaf(inter2, HOST),
        "weak key": tf.leaf(inter, HOST, key=tf.rsa_key(1024)),
        "wildcard mismatch": tf.leaf(inter, "*.cht.example.org"),
        "untrusted root": tf.leaf(stranger, HOST),
    }
    cert, key = {
        "wrong key": (leaf.pem + inter.pem, tf.leaf(inter, HOST).key_pem()),
        "missing intermediate": (leaf.pem, leaf.key_pem()),
        "wrong host": (tf.leaf(inter, "x.example.net").pem + inter.pem, leaf.key_pem()),
        "out of order": (made["out of order"].pem + inter.pem + inter2.pem,
                         made["out of order"].key_pem()),
        "untrusted root": (made["untrusted root"].pem + stranger.pem,
                           made["untrusted root"].key_pem()),
    }.get(case) or (made[case].pem + inter.pem, made[case].key_pem())
    ok, events, paths = run(tmp_path, pki, cert, key)
    assert not ok
    failure = next(e for e in events if isinstance(e, StepFailed))
    assert failure.finding.status.value == "blocked" and failure.finding.fix
    assert not paths.tls_dir.exists(), "a refused certificate wrote to the server"


def test_a_repair_after_the_operators_files_are_gone_keeps_the_installed_copy(
    tmp_path: Path, pki: dict[str, tf.Issued]
) -> None:
    ok, _, paths = run(tmp_path, pki, pki["leaf"].pem + pki["inter"].pem, pki["leaf"].key_pem())
    assert ok
    installed = paths.certificate.read_bytes()
    (tmp_path / "operator" / "cert.pem").unlink()
    config = from_mapping({"hostname": HOST, "tls": {
        "mode": "own", "certificate": str(tmp_path / "operator/cert.pem"),
        "key": str(tmp_path / "operator/key.pem")}})
    ctx = Context(host=RealHost(paths.log), config=config, paths=paths, platform=detect(),
                  emit=lambda event: None, line=line_for(config))
    finding = TlsCertificate().probe(ctx)
    assert finding.status.value == "warning"
    assert "installed copy is used" in finding.reason
    assert paths.certificate.read_bytes() == installed
