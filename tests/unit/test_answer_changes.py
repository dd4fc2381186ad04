"""What the plan says changed since the last run: each answer by its settings label, the
old value and the new; nothing on a fresh server; never a secret."""

from __future__ import annotations

from dataclasses import replace

from installer.answer_changes import answer_changes
from installer.answers import InstallConfig


def test_a_fresh_server_has_nothing_to_compare() -> None:
    assert answer_changes(None, InstallConfig(hostname="cht.example.org")) == []


def test_the_same_answers_are_no_change() -> None:
    config = InstallConfig(hostname="cht.example.org")
    assert answer_changes(config, replace(config)) == []


def test_each_change_is_said_with_its_label_then_and_now() -> None:
    before = InstallConfig(hostname="cht.test")
    after = before.with_changes(
        hostname="q", admin_password="new-secret-1",
        tls=replace(before.tls, mode="letsencrypt", email="it@example.org",
                    password="pfx-secret"),
        backup=replace(before.backup, dir="/var/backups/cht"))
    said = answer_changes(before, after)
    assert said == ["Host name: cht.test -> q",
                    "TLS certificate: self-signed -> Let's Encrypt",
                    "E-mail for expiry notices: (not set) -> it@example.org",
                    "Nightly backups folder: (not set) -> /var/backups/cht"]
    assert not any("secret" in line for line in said)


def test_a_move_to_another_cht_line_is_said_by_version() -> None:
    before = InstallConfig(hostname="cht.test")
    said = answer_changes(before, before.with_changes(cht_version="5.0.2"))
    assert said == [f"CHT version: {before.version} -> 5.0.2"]
