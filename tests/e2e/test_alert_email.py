"""E-mail alerts through a real sendmail (msmtp, called as sendmail as Debian's msmtp-mta
links it) to an SMTP server on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer import alerts
from installer.alerts import Alert
from tests.receiver import smtp_receiving

MSMTPRC = Path("/etc/msmtprc")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


@pytest.fixture
def sendmail_to(tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, list[bytes]]]:
    had = shutil.which("msmtp")
    if not had:
        subprocess.run(["apt-get", "install", "-y", "-qq", "msmtp"], check=True,
                       capture_output=True, env=APT_ENV)
    # first on PATH, before any other MTA's sendmail (Debian images may carry exim4's)
    (tmp_path / "sendmail").symlink_to(shutil.which("msmtp") or "/usr/bin/msmtp")
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    before = MSMTPRC.read_bytes() if MSMTPRC.exists() else None
    with smtp_receiving() as (port, messages):
        MSMTPRC.write_text(f"account default\nhost 127.0.0.1\nport {port}\n"
                           "from cht-install@localhost\nauth off\ntls off\n")
        try:
            yield port, messages
        finally:
            if before is None:
                MSMTPRC.unlink(missing_ok=True)
            else:
                MSMTPRC.write_bytes(before)
            if not had:
                subprocess.run(["apt-get", "purge", "-y", "-qq", "msmtp"],
                               capture_output=True, env=APT_ENV, check=False)


def test_an_alert_is_mailed_through_the_servers_sendmail(
        sendmail_to: tuple[int, list[bytes]]) -> None:
    _, messages = sendmail_to
    alert = Alert("broken", "cht.example.org", "https://cht.example.org/",
                  ("CHT answers over HTTPS: connection refused",), 1_800_000_000.0)
    assert alerts.sendmail() == str(Path(os.environ["PATH"].split(":")[0]) / "sendmail")
    assert alerts.send_email("ops@example.org", alert) is None
    assert len(messages) == 1
    mail = messages[0].decode()
    assert "To: ops@example.org" in mail
    assert "Subject: CHT on cht.example.org needs attention" in mail
    assert "connection refused" in mail
