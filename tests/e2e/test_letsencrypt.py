"""Let's Encrypt for real against Debian's pebble ACME server on loopback: pre-flight,
challenge location in medic-os's nginx.conf, order, install, proof on the wire, renewal
scheduled, and a forced renewal while HTTPS is polled (no failed request)."""

from __future__ import annotations

import re
import socket
import ssl
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from tests.e2e.conftest import (
    Installed,
    InstallRun,
    cht_install,
    phone_context,
    renew_while_polling,
    resolving,
    with_known_password,
)

HOST = "cht.acme.test"
ACME = "https://127.0.0.1:14000/dir"
PEBBLE_CA = Path("/var/lib/cht-testenv/acme/ca.pem")
NGINX_CONF = "/srv/settings/medic-core/nginx/nginx.conf"


@pytest.fixture(scope="module")
def hosts_entry() -> Iterator[None]:
    with resolving(HOST):
        yield


@pytest.fixture(scope="module")
def trust(live_env: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pebble's TLS CA (to talk to it) and its issuing root (to verify what it issues)."""
    context = ssl.create_default_context(cafile=str(PEBBLE_CA))
    with urllib.request.urlopen("https://127.0.0.1:15000/roots/0", context=context) as answer:
        root = answer.read()
    path = tmp_path_factory.mktemp("trust") / "trust.pem"
    path.write_bytes(PEBBLE_CA.read_bytes() + b"\n" + root)
    return path


def served(trust: Path) -> x509.Certificate:
    context = phone_context(cafile=str(trust))
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


@pytest.fixture(scope="module")
def issued(hosts_entry: None, trust: Path, docker_client: Any, fresh_install: Installed,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InstallRun]:
    root = with_known_password(fresh_install, tmp_path_factory.mktemp("acme-server"))
    # The operator's own edit to nginx.conf, which must survive.
    medic = docker_client.containers.get("medic-os")
    code, _ = medic.exec_run(["sed", "-i", r"s|listen  *443 ssl;|&\n        "
                              r"# operator: keep me|", NGINX_CONF])
    assert code == 0
    assert b"# operator: keep me" in medic.exec_run(["cat", NGINX_CONF])[1]
    run = cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(root),
                      "--hostname", HOST, "--accept-warnings", "--docker-source", "distro",
                      "--tls-mode", "letsencrypt", "--tls-email", "ops@cht-install.test",
                      "--acme-directory", ACME, "--tls-trust-store", str(trust))
    return root, run


def test_certificate_is_issued_installed_and_verifies(
    issued: tuple[Path, InstallRun], trust: Path
) -> None:
    root, run = issued
    assert run.returncode == 0, run.output
    assert "chain verified for the name" in run.output
    cert = served(trust)
    assert "Pebble" in cert.issuer.rfc4514_string()
    assert HOST in cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    key = root / "etc/cht-install/acme/account.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_challenge_location_is_added_and_operator_edits_kept(
    issued: tuple[Path, InstallRun], docker_client: Any
) -> None:
    code, conf = docker_client.containers.get("medic-os").exec_run(["cat", NGINX_CONF])
    text = conf.decode()
    assert code == 0
    assert "# operator: keep me" in text
    assert text.count("location /.well-known/acme-challenge/") == 1


def test_renewal_is_scheduled(issued: tuple[Path, InstallRun]) -> None:
    root, _ = issued
    if Path("/run/systemd/system").is_dir():
        timer = root / "etc/systemd/system/cht-install-renew.timer"
        assert "OnCalendar=" in timer.read_text()
    else:
        line = (root / "etc/cron.d/cht-install").read_text().splitlines()[-1]
        assert re.fullmatch(rf"17 3,15 \* \* \* root \S+ renew-cert --root {root} >/dev/null "
                            rf"2>>{root}/var/log/cht-install.log", line)


def test_a_second_run_changes_nothing(issued: tuple[Path, InstallRun], trust: Path) -> None:
    root, _ = issued
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0 and "nothing was changed" in again.output


def test_forced_renewal_replaces_the_certificate_without_downtime(
    issued: tuple[Path, InstallRun], trust: Path
) -> None:
    root, _ = issued
    before = served(trust)
    context = phone_context(cafile=str(trust))

    def ask() -> None:
        request = urllib.request.Request(f"https://{HOST}/")
        with urllib.request.urlopen(request, context=context, timeout=5) as answer:
            answer.read()

    renewal, answered, failures = renew_while_polling(root, ask)
    assert renewal.returncode == 0, renewal.output
    after = served(trust)
    assert after.serial_number != before.serial_number
    assert answered > 20 and failures == []


def test_doctor_reports_expiry_and_renewal(issued: tuple[Path, InstallRun]) -> None:
    import json

    root, _ = issued
    run = cht_install("doctor", "--json", "--root", str(root))
    report = json.loads(run.output)
    assert run.returncode == 0 and report["healthy"] is True
    assert report["certificate"]["source"] == "letsencrypt"
    assert report["certificate"]["days_left"] > 30
    renewal = next(s for s in report["steps"] if s["id"] == "tls.renewal")
    assert renewal["status"] == "ok" and "twice a day" in renewal["reason"]


def test_a_failed_renewal_leaves_the_working_certificate(
    issued: tuple[Path, InstallRun], trust: Path
) -> None:
    import subprocess

    from tests.e2e.conftest import TESTENV

    root, _ = issued
    before = served(trust)
    subprocess.run(["pkill", "-x", "pebble"], check=True)  # the CA is unreachable
    try:
        renewal = cht_install("renew-cert", "--force", "--root", str(root))
        assert renewal.returncode == 1
        assert "could not talk to the CA" in renewal.output
        assert served(trust).serial_number == before.serial_number
    finally:
        subprocess.run([str(TESTENV), "up"], check=True)
