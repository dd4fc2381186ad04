"""Fingerprints of OpenPGP public keys (armored or binary), without gpg (pure)."""

from __future__ import annotations

import base64
import hashlib

PUBLIC_KEY = 6


class NotAKey(ValueError):
    """The data is not an OpenPGP public key."""


def dearmor(data: bytes) -> bytes:
    text = data.decode("ascii", errors="replace")
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in text:
        return data  # already binary
    body = text.split("-----BEGIN PGP PUBLIC KEY BLOCK-----", 1)[1]
    body = body.split("-----END PGP PUBLIC KEY BLOCK-----", 1)[0]
    lines = body.strip().splitlines()
    # Skip armor headers (up to the first blank line, when there are any).
    if "" in [line.strip() for line in lines]:
        lines = lines[[line.strip() for line in lines].index("") + 1:]
    payload = [line.strip() for line in lines if line.strip() and not line.startswith("=")]
    try:
        return base64.b64decode("".join(payload), validate=True)
    except ValueError as exc:
        raise NotAKey(f"bad armor: {exc}") from exc


def packets(data: bytes) -> list[tuple[int, bytes]]:
    """(tag, body) of each packet, old and new formats (RFC 4880 4.2)."""
    found: list[tuple[int, bytes]] = []
    at = 0
    while at < len(data):
        header = data[at]
        if not header & 0x80:
            raise NotAKey("not an OpenPGP packet stream")
        if header & 0x40:  # new format
            tag = header & 0x3F
            first = data[at + 1]
            if first < 192:
                length, at = first, at + 2
            elif first < 224:
                length, at = ((first - 192) << 8) + data[at + 2] + 192, at + 3
            elif first == 255:
                length, at = int.from_bytes(data[at + 2:at + 6], "big"), at + 6
            else:
                raise NotAKey("partial body lengths are not used in keys")
        else:  # old format
            tag = (header >> 2) & 0x0F
            kind = header & 0x03
            size = {0: 1, 1: 2, 2: 4}.get(kind)
            if size is None:
                raise NotAKey("indeterminate packet length")
            length = int.from_bytes(data[at + 1:at + 1 + size], "big")
            at += 1 + size
        found.append((tag, data[at:at + length]))
        at += length
    return found


def fingerprint(data: bytes) -> str:
    """The primary key's fingerprint, upper-case hex (v4: SHA-1; v5/v6: SHA-256)."""
    for tag, body in packets(dearmor(data)):
        if tag != PUBLIC_KEY:
            continue
        version = body[0] if body else 0
        if version == 4:
            return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
        if version in (5, 6):
            prefix = b"\x9a" if version == 5 else b"\x9b"
            digest = hashlib.sha256(prefix + len(body).to_bytes(4, "big") + body)
            return digest.hexdigest().upper()
        raise NotAKey(f"unsupported key version {version}")
    raise NotAKey("no public key in the data")


def normalize(value: str) -> str:
    return value.replace(" ", "").upper()
