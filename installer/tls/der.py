"""The few fields of a PEM certificate and key that a probe reads (names, validity, issuer,
public key), parsed from their DER without the cryptography library, which would cost the
screens about 7 MiB; anything this does not know is left to that library."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import re

SEQUENCE, INTEGER, BIT_STRING, OCTET_STRING = 0x30, 0x02, 0x03, 0x04
UTC_TIME, GENERALIZED_TIME = 0x17, 0x18
VERSION, EXTENSIONS, DNS_NAME, IP_ADDRESS = 0xA0, 0xA3, 0x82, 0x87
KEY_PUBLIC = 0xA1  # [1] the public key, in PKCS#8 v2 and SEC 1 private keys
SAN = bytes.fromhex("551d11")  # 2.5.29.17, subjectAltName
RSA = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1, rsaEncryption
EC = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1, id-ecPublicKey
PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)

Element = tuple[int, int, int]  # tag, where its content starts, where it ends


class Unknown(ValueError):
    """Not something this reader knows (another key type, an encrypted key, bad DER)."""


def element(data: bytes, at: int) -> Element:
    """The element that starts at ``at``: its tag and its content's bounds."""
    if at + 2 > len(data):
        raise Unknown("DER ends early")
    tag, size, at = data[at], data[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise Unknown("DER length not understood")
        size, at = int.from_bytes(data[at:at + count], "big"), at + count
    if at + size > len(data):
        raise Unknown("DER ends early")
    return tag, at, at + size


def children(data: bytes, inside: Element) -> list[Element]:
    found, at = [], inside[1]
    while at < inside[2]:
        child = element(data, at)
        found.append(child)
        at = child[2]
    return found


def expect(found: Element, tag: int) -> Element:
    if found[0] != tag:
        raise Unknown(f"DER tag {found[0]:#x} where {tag:#x} was expected")
    return found


def pem_blocks(pem: bytes) -> list[tuple[str, bytes]]:
    """Each PEM block's label and DER bytes."""
    blocks = []
    for label, body in PEM_BLOCK.findall(pem):
        try:
            blocks.append((label.decode(), base64.b64decode(b"".join(body.split()),
                                                             validate=True)))
        except ValueError as exc:
            raise Unknown("PEM body is not base64") from exc
    return blocks


def _time(data: bytes, found: Element) -> dt.datetime:
    text = data[found[1]:found[2]].decode("ascii")
    if found[0] == UTC_TIME:  # YYMMDDHHMMSSZ: years 1950-2049 (RFC 5280)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif found[0] != GENERALIZED_TIME:
        raise Unknown("validity is not a time")
    if not re.fullmatch(r"\d{14}Z", text):
        raise Unknown(f"time {text!r} not understood")
    return dt.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=dt.timezone.utc)


class Certificate:
    """A certificate's DER and the fields read from it."""

    def __init__(self, der: bytes) -> None:
        self.der = der
        top = children(der, expect(element(der, 0), SEQUENCE))
        tbs = children(der, expect(top[0], SEQUENCE))
        if tbs and tbs[0][0] == VERSION:
            tbs = tbs[1:]
        if len(tbs) < 6:
            raise Unknown("certificate too short")
        _serial, _algorithm, issuer, validity, subject, key = tbs[:6]
        self.issuer = der[issuer[1]:issuer[2]]
        self.subject = der[subject[1]:subject[2]]
        not_before, not_after = children(der, expect(validity, SEQUENCE))[:2]
        self.not_before, self.not_after = _time(der, not_before), _time(der, not_after)
        self.public_key = public_key(der, expect(key, SEQUENCE))
        self.names: list[str] = []
        for extra in tbs[6:]:
            if extra[0] == EXTENSIONS:
                self.names = _alt_names(der, extra)


def _alt_names(der: bytes, extensions: Element) -> list[str]:
    """The DNS names, then the IP addresses, of the subjectAltName extension."""
    listed = children(der, extensions)
    for extension in children(der, expect(listed[0], SEQUENCE)) if listed else []:
        parts = children(der, expect(extension, SEQUENCE))
        if der[parts[0][1]:parts[0][2]] != SAN:
            continue
        value = expect(parts[-1], OCTET_STRING)
        names = children(der, expect(element(der, value[1]), SEQUENCE))
        dns = [der[n[1]:n[2]].decode("ascii") for n in names if n[0] == DNS_NAME]
        ips = [str(ipaddress.ip_address(der[n[1]:n[2]])) for n in names if n[0] == IP_ADDRESS]
        return dns + ips
    return []


def public_key(der: bytes, info: Element) -> tuple[str, bytes]:
    """A SubjectPublicKeyInfo as (kind, what identifies the key): RSA's modulus and exponent,
    or the EC point."""
    algorithm, bits = children(der, info)[:2]
    oid = children(der, algorithm)[0]
    kind = der[oid[1]:oid[2]]
    key = der[expect(bits, BIT_STRING)[1] + 1:bits[2]]  # after the unused-bits count
    if kind == RSA:
        return "rsa", _rsa_numbers(key, element(key, 0))
    if kind == EC:
        return "ec", key
    raise Unknown("a key type other than RSA or EC")


def _rsa_numbers(data: bytes, sequence: Element, skip: int = 0) -> bytes:
    """RSA's modulus and public exponent, as their DER, from a sequence that holds them after
    ``skip`` elements (a private key's version)."""
    numbers = children(data, expect(sequence, SEQUENCE))[skip:skip + 2]
    if len(numbers) != 2 or any(n[0] != INTEGER for n in numbers):
        raise Unknown("RSA key not understood")
    return b"".join(data[n[1]:n[2]].lstrip(b"\0") for n in numbers)


def private_public_key(pem: bytes) -> tuple[str, bytes]:
    """The public key a PEM private key holds, as ``public_key`` gives a certificate's."""
    blocks = pem_blocks(pem)
    if not blocks:
        raise Unknown("no PEM block")
    label, der = blocks[0]
    top = element(der, 0)
    if label == "RSA PRIVATE KEY":
        return "rsa", _rsa_numbers(der, top, skip=1)
    if label == "EC PRIVATE KEY":
        return "ec", _ec_point(der, top)
    if label != "PRIVATE KEY":
        raise Unknown(f"a {label.lower()}")
    parts = children(der, expect(top, SEQUENCE))
    algorithm = children(der, expect(parts[1], SEQUENCE))[0]
    kind = der[algorithm[1]:algorithm[2]]
    inner = expect(parts[2], OCTET_STRING)
    if kind == RSA:
        return "rsa", _rsa_numbers(der, element(der, inner[1]), skip=1)
    if kind == EC:
        return "ec", _ec_point(der, element(der, inner[1]))
    raise Unknown("a key type other than RSA or EC")


def _ec_point(der: bytes, sequence: Element) -> bytes:
    for part in children(der, expect(sequence, SEQUENCE)):
        if part[0] == KEY_PUBLIC:
            bits = expect(element(der, part[1]), BIT_STRING)
            return der[bits[1] + 1:bits[2]]
    raise Unknown("an EC key without its public point")


def certificate(pem: bytes) -> Certificate:
    """The first certificate of a PEM file."""
    for label, der in pem_blocks(pem):
        if label == "CERTIFICATE":
            return Certificate(der)
    raise Unknown("no certificate in the PEM data")
