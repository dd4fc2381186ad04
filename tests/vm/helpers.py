"""What the VM tests ask of a guest running CHT: its /api/info over HTTPS from this
machine, the operator's install from the README, doctor's verdict, a wait for CHT."""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.vm.guest import Guest

# CI runs the tier in one pytest run after the other tests and must end within its hour;
# CHT_VM_TESTS=all adds the longer proofs it leaves out (each a whole install more).
ALL = os.environ.get("CHT_VM_TESTS") == "all"


def only_with_all(why: str) -> pytest.MarkDecorator:
    """Run this test only with CHT_VM_TESTS=all, saying why CI leaves it out."""
    return pytest.mark.skipif(not ALL, reason=f"{why}: CHT_VM_TESTS=all runs it")

HOST = "cht.vm.test"
# After a boot, systemd starts Docker and Docker the containers (restart: always); medic-os
# then starts its services: under qemu's software emulation that takes a while.
BACK_WITHIN = 600.0
# CHT's current line as scripts/testenv serves it: the release its build server and the
# registry carry, and the install's options that point at them.
CURRENT = "5.0.2"
CURRENT_LINE = (f"--cht-version {CURRENT} --builds-url http://127.0.0.1:8082/_couch/builds_4 "
                "--upgrade-service-url "
                "http://127.0.0.1:8082/cht-upgrade-service/docker-compose.yml")


def https(port: int, request: str) -> tuple[int, bytes] | None:
    """One HTTPS request from this machine through the guest's forwarded port, as a phone
    makes it (medic-os offers only RSA suites with SHA-1 MACs): status and body, or None."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=1")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=HOST) as tls:
                tls.sendall(request.encode())
                answer = b""
                while chunk := tls.recv(65536):
                    answer += chunk
    except (OSError, ssl.SSLError):
        return None
    head, _, body = answer.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    return (int(parts[1]), body) if len(parts) > 1 and parts[1].isdigit() else None


def served_certificate(port: int) -> bytes:
    """The certificate CHT's web server presents on the guest's forwarded HTTPS port (DER)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def api_info(port: int) -> dict[str, Any] | None:
    found = https(port, f"GET /api/info HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n")
    if found is None or found[0] != 200:
        return None
    info: dict[str, Any] = json.loads(found[1])
    return info


def signs_in(port: int, password: str) -> bool:
    """The admin account signs in with this password: CouchDB's /_session through CHT's
    nginx, with HTTP basic auth, as an admin's browser asks it."""
    import base64

    token = base64.b64encode(f"medic:{password}".encode()).decode()
    found = https(port, f"GET /_session HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Basic "
                        f"{token}\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
    if found is None or found[0] != 200:
        return False
    user = json.loads(found[1]).get("userCtx", {})
    return bool(user.get("name") == "medic" and "_admin" in user.get("roles", []))


def wait_for_cht(guest: Guest, version: str, within: float = BACK_WITHIN) -> float:
    """Seconds until CHT answers /api/info with this version over HTTPS."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        info = api_info(guest.https_port)
        if info is not None and info.get("version") == version:
            return time.monotonic() - started
        time.sleep(10)
    raise AssertionError(f"CHT {version} did not answer HTTPS within {within:.0f} s")


def install(guest: Guest, checkout: Path, options: str, unpack: bool = True) -> str:
    """The README's way: the checkout copied over SSH, unpacked, `sudo scripts/run ...`."""
    if unpack:
        guest.copy(checkout, "cht-install.tar.gz")
        guest.ssh("mkdir -p cht-install && tar xzf cht-install.tar.gz -C cht-install")
    started = time.monotonic()
    run = guest.ssh(f"cd cht-install && sudo scripts/run {options}", timeout=3000,
                    check=False)
    print(f"vm: install took {time.monotonic() - started:.0f} s (exit {run.returncode})\n"
          f"{run.stdout[-1500:]}{run.stderr[-1500:]}")
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def doctor(guest: Guest) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        guest.ssh("sudo cht-install doctor --json", check=False).stdout)
    return report


def not_ok(report: dict[str, Any]) -> dict[str, str]:
    rows = [*report["steps"], *report["checks"]]
    return {s["id"]: s["reason"] for s in rows if s["status"] not in ("ok", "warning")}


JOURNAL = "/var/lib/cht-install/journal.jsonl"


def journal_has(guest: Guest, event: str, step_id: str) -> bool:
    """cht-install's journal in the guest holds this event of this step."""
    found = guest.ssh(f"sudo grep -aF '\"step_id\": \"{step_id}\"' {JOURNAL} | grep -acF "
                      f"'\"event\": \"{event}\"'", check=False)
    return found.stdout.strip() not in ("", "0")


# A guest command that succeeds once the pull has shown progress (the journal's Progress).
PULLING = (f"sudo grep -aF '\"step_id\": \"images.pulled\"' {JOURNAL} | "
           "grep -aqF '\"event\": \"Progress\"'")


def install_cut_during(guest: Guest, checkout: Path, options: str,
                       cuts: Sequence[tuple[str, str]], within: float = 1500) -> list[str]:
    """The README's install with the power cut while each ``(step_id, busy)`` runs (once the
    guest command ``busy`` succeeds), the guest booted again and the same command typed
    again each time, the last run to its end: what each run after a cut printed (a run
    that is cut itself, up to its cut)."""
    guest.copy(checkout, "cht-install.tar.gz")
    guest.ssh("mkdir -p cht-install && tar xzf cht-install.tar.gz -C cht-install")
    printed: list[str] = []
    for number, (step_id, busy) in enumerate(cuts, 1):
        log = f"cht-install/run-{number}.log"
        guest.ssh(f"cd cht-install && (sudo nohup scripts/run {options} > ../{log} 2>&1 "
                  "< /dev/null &)")
        started = time.monotonic()
        while not (journal_has(guest, "StepStarted", step_id)
                   and guest.ssh(busy, check=False).returncode == 0):
            if time.monotonic() - started > within:
                tail = guest.ssh(f"tail -n 20 {log}", check=False).stdout
                raise AssertionError(f"{step_id} never got busy within {within:.0f} s:\n{tail}")
            if guest.ssh("pgrep -f '[s]cripts/run' >/dev/null", check=False).returncode:
                tail = guest.ssh(f"tail -n 20 {log}", check=False).stdout
                raise AssertionError(f"the install ended before {step_id} got busy:\n{tail}")
            time.sleep(1)
        if number > 1:  # read before the cut: what the run said about the one cut before
            printed.append(guest.ssh(f"cat {log}").stdout)
        print(f"vm: power cut during {step_id}, {time.monotonic() - started:.0f} s into "
              f"run {number}")
        guest.power_cut()
        took = guest.start()
        print(f"vm: boot after the cut to SSH in {took:.0f} s")
    printed.append(install(guest, checkout, options, unpack=False))
    return printed
