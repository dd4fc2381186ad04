"""Key fingerprints computed without gpg agree with gpg's own, for a key gpg made."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from installer.openpgp import NotAKey, dearmor, fingerprint


def gpg(home: Path, *args: str) -> str:
    return subprocess.run(
        ["gpg", "--batch", "--homedir", str(home), *args],
        capture_output=True, text=True, check=True,
    ).stdout


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    home = tmp_path_factory.mktemp("gnupg")
    os.chmod(home, 0o700)
    gpg(home, "--passphrase", "", "--quick-gen-key", "cht test <t@example.org>",
        "rsa2048", "sign", "never")
    armored = gpg(home, "--armor", "--export")
    expected = next(line.split(":")[9] for line in
                    gpg(home, "--with-colons", "--fingerprint").splitlines()
                    if line.startswith("fpr:"))
    return armored, expected


def test_fingerprint_of_an_armored_key_matches_gpg(key: tuple[str, str]) -> None:
    armored, expected = key
    assert fingerprint(armored.encode()) == expected


def test_fingerprint_of_a_binary_key_matches_gpg(key: tuple[str, str]) -> None:
    armored, expected = key
    assert fingerprint(dearmor(armored.encode())) == expected


def test_something_else_is_not_a_key() -> None:
    with pytest.raises(NotAKey):
        fingerprint(b"<html>404 Not Found</html>")
