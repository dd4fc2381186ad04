"""medic-os's nginx.conf: add the installer's ACME challenge location, keeping the
operator's own edits (pure)."""

from __future__ import annotations

import re

BEGIN = "# cht-install: ACME HTTP-01 challenge (managed by cht-install; do not edit)"
END = "# cht-install: end of ACME challenge"
CHALLENGE_ROOT = "/srv/storage/medic-core/nginx/acme"
LISTEN_80 = re.compile(r"^(?P<indent>\s*)listen\s+(?:[\w.:\[\]]*:)?80(?:\s[^;]*)?;\s*$",
                       re.MULTILINE)


class ConfError(ValueError):
    pass


def block(indent: str) -> str:
    lines = [
        BEGIN,
        "location /.well-known/acme-challenge/ {",
        f"  root {CHALLENGE_ROOT};",
        "  default_type text/plain;",
        "}",
        END,
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def has_challenge_location(conf: str) -> bool:
    return BEGIN in conf and END in conf


def with_challenge_location(conf: str) -> str:
    """The config with the challenge location in the server that listens on port 80."""
    if has_challenge_location(conf):
        start = conf.index(BEGIN)
        line_start = conf.rfind("\n", 0, start) + 1
        end = conf.index("\n", conf.index(END)) + 1
        indent = conf[line_start:start]
        return conf[:line_start] + block(indent) + conf[end:]
    match = LISTEN_80.search(conf)
    if match is None:
        raise ConfError("no server in nginx.conf listens on port 80")
    insert_at = match.end() + 1 if match.end() < len(conf) else match.end()
    return conf[:insert_at] + block(match.group("indent")) + conf[insert_at:]
