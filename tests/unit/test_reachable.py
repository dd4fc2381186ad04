"""Host names phones cannot reach are said (never refused), with where the name points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from installer.answer_checks import hostname_problem
from installer.reachable import phones_note

MINE = {"203.0.113.10", "10.0.0.5", "127.0.0.1"}  # 203.0.113.10 counts as ours
DNS = {"cht.example.org": ["203.0.113.10"], "elsewhere.example.org": ["93.184.216.34"],
       "lan.example.org": ["192.168.1.20"]}


def note(name: str) -> tuple[bool, str]:
    return phones_note(name, lambda n: DNS.get(n, []), MINE)


@pytest.mark.parametrize(("name", "words"), [
    ("localhost", "it names the phone itself"),
    ("vm", "a bare name"),
    ("127.0.0.1", "this server talking to itself"),
    ("10.0.0.5", "a private address"),
    ("lan.example.org", "a private or loopback address"),
    ("new.example.org", "does not resolve"),
])
def test_names_phones_may_not_reach_are_warned_about(name: str, words: str) -> None:
    unreachable, said = note(name)
    assert unreachable and words in said


def test_a_name_that_resolves_here_or_elsewhere_says_so() -> None:
    assert note("cht.example.org") == (
        False, "cht.example.org resolves to 203.0.113.10, an address of this server.")
    unreachable, said = note("elsewhere.example.org")
    assert not unreachable and "not one of this server's own addresses" in said
    assert note("93.184.216.34")[0] is False


@pytest.mark.parametrize(("name", "why"), [
    ("cht example.org", "spaces are not allowed in a host name"),
    ("cht_server.example.org", "'_' is not allowed in a host name"),
    ("-cht.example.org", "may not start or end with a hyphen"),
    ("cht..example.org", "no empty parts"),
    ("", "the host name is empty"),
])
def test_a_rejected_name_says_why(name: str, why: str) -> None:
    assert why in (hostname_problem(name) or "")


def test_the_plan_says_it_through_the_real_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "installer.cli", "--dry-run", "--json", "--root", str(tmp_path),
         "--hostname", "localhost"], capture_output=True, text=True, check=False)
    host_name = json.loads(done.stdout)["host_name"]
    assert host_name["phones_may_not_reach"] is True
    assert "phones cannot reach localhost" in host_name["note"]
    bad = subprocess.run(
        [sys.executable, "-m", "installer.cli", "--dry-run", "--root", str(tmp_path),
         "--hostname", "cht example.org"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "spaces are not allowed in a host name" in bad.stderr
