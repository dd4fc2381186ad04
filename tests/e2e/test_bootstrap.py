"""scripts/bootstrap for real on this Debian 12 host, from a clean state: no venv module,
no /opt/cht-install; then again, upgrading in place."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PREFIX = Path("/opt/cht-install")
LINK = Path("/usr/local/bin/cht-install")


def bootstrap() -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / "scripts/bootstrap")], capture_output=True, text=True,
                          check=False, timeout=900)


def test_bootstrap_from_a_clean_debian_12_then_upgrade_in_place(live_env: str) -> None:
    shutil.rmtree(PREFIX, ignore_errors=True)
    LINK.unlink(missing_ok=True)
    subprocess.run(["apt-get", "remove", "-y", "-q", "python3-venv", "python3.11-venv"],
                   check=True, capture_output=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    assert subprocess.run(["/usr/bin/python3", "-c", "import ensurepip"],
                          capture_output=True).returncode != 0

    first = bootstrap()
    assert first.returncode == 0, first.stderr
    assert "ready: cht-install" in first.stderr
    assert os.readlink(LINK) == str(PREFIX / "bin/cht-install")
    version = subprocess.run([str(LINK), "--version"], capture_output=True, text=True,
                             check=True).stdout
    assert version.startswith("cht-install ")
    # the environment is its own: the system Python is untouched (PEP 668)
    base = subprocess.run([str(PREFIX / "bin/python"), "-c", "import sys; print(sys.prefix)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert base == str(PREFIX)
    inode = (PREFIX / "bin/python").lstat().st_ino

    again = bootstrap()
    assert again.returncode == 0, again.stderr
    assert (PREFIX / "bin/python").lstat().st_ino == inode  # upgraded in place, not remade
    assert "making it again" not in again.stderr

    as_user = subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", "cht-install --yes"],
                             capture_output=True, text=True, check=False)
    assert as_user.returncode == 2
    assert "cht-install has to run as root" in as_user.stderr
    assert "    sudo cht-install --yes" in as_user.stderr
