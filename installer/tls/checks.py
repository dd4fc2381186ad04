"""Whether a certificate will work for CHT's phones and browsers, each with its fix (pure)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from installer.tls.certinfo import covers, key_matches, summarize
from installer.tls.material import Material

RENEW_WARNING_DAYS = 30
GOOD_CURVES = ("secp256r1", "secp384r1")


@dataclass(frozen=True)
class Problem:
    """One thing wrong; ``fatal`` stops the install, else it is a warning."""

    reason: str
    fix: str
    fatal: bool = True


def _subject_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def key_problem(material: Material) -> Problem | None:
    key = material.key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            return Problem(f"the key is RSA {key.key_size} bits; phones need 2048 or more",
                           "Get a new certificate with an RSA 2048+ or EC P-256 key.")
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in GOOD_CURVES:
            return Problem(f"the key uses the {key.curve.name} curve, which Android may reject",
                           "Get a new certificate with an EC P-256 or P-384 key.")
        return None
    return Problem(f"{type(key).__name__} keys are not accepted by all Android versions",
                   "Get a new certificate with an RSA 2048+ or EC P-256 key.")


def order_problem(material: Material) -> Problem | None:
    certs = (material.leaf, *material.chain)
    for child, parent in zip(certs, certs[1:], strict=False):
        if child.issuer != parent.subject:
            return Problem(
                f"the chain is out of order: {_subject_name(parent)} does not issue "
                f"{_subject_name(child)}",
                "Order the file as: your certificate, then its issuer, then that one's "
                "issuer (the order your CA lists them).",
            )
    return None


def chain_problem(material: Material, hostname: str, roots: list[x509.Certificate],
                  now: dt.datetime) -> Problem | None:
    """Verify leaf + chain up to a trusted root, as a phone would."""
    if not roots:
        return Problem("no trusted roots to check the chain against",
                       "Install the system's CA certificates (ca-certificates).")
    try:
        subject: x509.DNSName | x509.IPAddress = x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        subject = x509.DNSName(hostname)
    verifier = PolicyBuilder().store(Store(roots)).time(now).build_server_verifier(subject)
    try:
        verifier.verify(material.leaf, list(material.chain))
    except VerificationError as exc:
        last = material.chain[-1] if material.chain else material.leaf
        root_names = {root.subject for root in roots}
        if last.issuer == last.subject and last.subject not in root_names:
            return Problem(f"the chain ends at {_subject_name(last)}, which is not a trusted "
                           "root (phones will refuse it)",
                           "Use a certificate from a public CA, or add your private CA to "
                           "tls.trust_store and to every phone.")
        if last.issuer not in root_names:
            return Problem(
                f"the chain is incomplete: the certificate of {last.issuer.rfc4514_string()} "
                "is missing (Android rejects an incomplete chain)",
                "Add your CA's intermediate certificate(s): in the certificate file after "
                "yours, or in tls.chain.",
            )
        return Problem(f"the chain does not verify: {exc}",
                       "Check the certificate and chain with your CA.")
    return None


def check(material: Material, hostname: str, roots: list[x509.Certificate],
          now: dt.datetime | None = None) -> list[Problem]:
    """Everything wrong with this material for this host name (empty: good to install)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    info = summarize(material.leaf)
    problems: list[Problem] = []
    if not key_matches(material.leaf, material.key):
        problems.append(Problem("the key does not belong to the certificate",
                                "Use the key that was made with this certificate's request."))
    if now < info.not_before:
        problems.append(Problem(f"the certificate is not valid until {info.not_before:%Y-%m-%d}",
                                "Check the server's clock, or wait until that date."))
    elif now >= info.not_after:
        problems.append(Problem(f"the certificate expired on {info.not_after:%Y-%m-%d}",
                                "Renew it with your CA and point tls.certificate at the new one."))
    elif info.days_left(now) < RENEW_WARNING_DAYS:
        problems.append(Problem(f"the certificate expires in {info.days_left(now)} days",
                                "Renew it soon with your CA.", fatal=False))
    if not covers(info.names, hostname):
        names = ", ".join(info.names) or "no names"
        problems.append(Problem(f"the certificate is for {names}, not {hostname}",
                                f"Get a certificate that names {hostname}, or set hostname "
                                "to a name it covers."))
    for found in (key_problem(material), order_problem(material)):
        if found:
            problems.append(found)
    if not any(p.fatal for p in problems):
        found = chain_problem(material, hostname, roots, now)
        if found:
            problems.append(found)
    return problems
