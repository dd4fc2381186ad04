"""The ACME challenge location in medic-os's nginx.conf: added once, operator edits kept."""

from __future__ import annotations

import pytest

from installer.tls.nginx_conf import (
    BEGIN,
    ConfError,
    has_challenge_location,
    with_challenge_location,
)

CONF = """\
http {
  server {
    listen 80;
    listen 443 ssl;
    # the operator's own tweak
    client_max_body_size 32M;
    location / {
      proxy_pass http://127.0.0.1:5988;
    }
  }
}
"""


def test_the_location_goes_into_the_port_80_server_and_edits_are_kept() -> None:
    patched = with_challenge_location(CONF)
    assert has_challenge_location(patched)
    assert "client_max_body_size 32M;" in patched and "proxy_pass" in patched
    lines = patched.splitlines()
    assert lines[lines.index("    listen 80;") + 1].strip() == BEGIN
    assert "    location /.well-known/acme-challenge/ {" in lines


def test_adding_it_twice_changes_nothing() -> None:
    once = with_challenge_location(CONF)
    assert with_challenge_location(once) == once
    assert once.count(BEGIN) == 1


def test_a_config_without_port_80_is_an_error() -> None:
    with pytest.raises(ConfError):
        with_challenge_location("http { server { listen 443 ssl; } }\n")
