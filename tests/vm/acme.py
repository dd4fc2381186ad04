"""A Let's Encrypt stand-in for one guest: a second Debian pebble on this machine whose
HTTP-01 check reaches the guest's port 80 through its forwarded port, answered inside the
guest on 127.0.0.1 at ACME_PORT; yields what the guest must trust to talk to it."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.vm.guest import Guest

ACME_PORT = 14001  # in RELAYED (tests/vm/guest.py); the guest starts its relay on demand
MANAGEMENT_PORT = 15001
TESTENV_ACME = Path(os.environ.get("CHT_TESTENV_DIR", "/var/lib/cht-testenv")) / "acme"
DIRECTORY = f"https://127.0.0.1:{ACME_PORT}/dir"


def _answering(context: ssl.SSLContext) -> bool:
    try:
        with urllib.request.urlopen(DIRECTORY, context=context, timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def acme_for(guest: Guest, work: Path) -> Iterator[bytes]:
    """Pebble validating HTTP-01 on the guest's forwarded port 80 (its DNS, scripts/testenv's
    pebble-challtestsrv, says every test name is 127.0.0.1); the guest's relay to it
    started. Yields pebble's TLS CA and its issuing root, one PEM file's bytes."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "pebble.json"
    config.write_text(json.dumps({"pebble": {
        "listenAddress": f"127.0.0.1:{ACME_PORT}",
        "managementListenAddress": f"127.0.0.1:{MANAGEMENT_PORT}",
        "certificate": str(TESTENV_ACME / "server.pem"),
        "privateKey": str(TESTENV_ACME / "server.key"),
        "httpPort": guest.http_port, "tlsPort": guest.https_port, "ocspResponderURL": "",
        "externalAccountBindingRequired": False}}))
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    with (work / "pebble.log").open("wb") as log:
        pebble = subprocess.Popen(["pebble", "-config", str(config), "-dnsserver",
                                   "127.0.0.1:8053"], stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        context = ssl.create_default_context(cafile=str(TESTENV_ACME / "ca.pem"))
        deadline = time.monotonic() + 30
        while not _answering(context):
            if pebble.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "pebble.log").read_text()[-2000:])
            time.sleep(0.2)
        with urllib.request.urlopen(f"https://127.0.0.1:{MANAGEMENT_PORT}/roots/0",
                                    context=context) as answer:
            root = answer.read()
        guest.ssh(f"sudo systemctl start test-relay@{ACME_PORT}")
        yield (TESTENV_ACME / "ca.pem").read_bytes() + b"\n" + root
    finally:
        pebble.terminate()
        pebble.wait(timeout=30)
        guest.ssh(f"sudo systemctl stop test-relay@{ACME_PORT}", check=False)
