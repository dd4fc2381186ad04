"""Whether a certificate will work for CHT's phones and browsers, each with its fix (pure)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

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


def key_problem(material: Material, rsa_only: bool = False) -> Problem | None:
    key = material.key
    if rsa_only and not isinstance(key, rsa.RSAPrivateKey):
        return Problem(
            "the key is not an RSA key: CHT 3.x's web server (nginx in medic-os) offers only "
            "RSA cipher suites, so no phone or browser could connect with this certificate",
            "Get a certificate with an RSA key of 2048 bits or more, e.g. make its request "
            "with `openssl req -new -newkey rsa:2048 -nodes -keyout cht.key -out cht.csr`.")
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


def _ca_constraints(policy: Policy, cert: x509.Certificate, ext: x509.BasicConstraints) -> None:
    if not ext.ca:
        raise ValueError("not a CA (basicConstraints CA:FALSE)")


def _ca_key_usage(policy: Policy, cert: x509.Certificate, ext: x509.KeyUsage | None) -> None:
    if ext is not None and not ext.key_cert_sign:
        raise ValueError("its keyUsage lacks keyCertSign")


# What phones check (Android, Chrome): CAs are marked CA (keyUsage, when present, allows
# signing certificates); the server's certificate names the host in subjectAltName. Not
# the public-web CA profile, which also wants keyUsage on every CA: private CAs made with
# the classic `openssl req -x509` have none, and phones accept them.
CA_POLICY = (ExtensionPolicy.permit_all()
             .require_present(x509.BasicConstraints, Criticality.AGNOSTIC, _ca_constraints)
             .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _ca_key_usage))
EE_POLICY = ExtensionPolicy.permit_all().require_present(
    x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
CA_FIX = ("Make the CA certificate again with its extensions, e.g. `openssl req -x509 -new "
          "-key ca.key -days 3650 -subj '/CN=My CA' -addext basicConstraints=critical,CA:TRUE "
          "-addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem`, sign the server's "
          "certificate with it again, and install the new CA on the phones.")


def _extension(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def profile_problem(certs: list[x509.Certificate]) -> Problem | None:
    """Which certificate lacks what phones need, in words, with the command that fixes it."""
    leaf, cas = certs[0], certs[1:]
    if _extension(leaf, x509.SubjectAlternativeName) is None:
        return Problem(f"your certificate ({_subject_name(leaf)}) has no subjectAltName: "
                       "phones ignore the common name and refuse it",
                       "Sign it again with the host name as a subjectAltName, e.g. "
                       "`openssl x509 -req -in cht.csr -CA ca.pem -CAkey ca.key -days 365 "
                       "-extfile <(printf 'subjectAltName=DNS:your.host.name') -out cht.pem`.")
    usage = _extension(leaf, x509.ExtendedKeyUsage)
    if isinstance(usage, x509.ExtendedKeyUsage) and not (
            {x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
             x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(usage)):
        return Problem(f"your certificate ({_subject_name(leaf)}) is not for web servers "
                       "(its extendedKeyUsage lacks serverAuth)",
                       "Ask your CA for a TLS server certificate (extendedKeyUsage serverAuth).")
    for ca in cas:
        constraints = _extension(ca, x509.BasicConstraints)
        if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
            return Problem(f"the CA certificate {_subject_name(ca)} is not marked as a CA "
                           "(no basicConstraints CA:TRUE): phones refuse certificates it signed",
                           CA_FIX)
        key_usage = _extension(ca, x509.KeyUsage)
        if isinstance(key_usage, x509.KeyUsage) and not key_usage.key_cert_sign:
            return Problem(f"the CA certificate {_subject_name(ca)} may not sign certificates "
                           "(its keyUsage lacks keyCertSign)", CA_FIX)
    return None


def issuers(material: Material, roots: list[x509.Certificate]) -> list[x509.Certificate]:
    """Leaf, chain and the root that issued the last of them (when it is trusted)."""
    certs = [material.leaf, *material.chain]
    last = certs[-1]
    if last.issuer != last.subject:
        certs += [root for root in roots if root.subject == last.issuer][:1]
    return certs


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
    profile = profile_problem(issuers(material, roots))
    if profile is not None:
        return profile
    verifier = (PolicyBuilder().store(Store(roots)).time(now)
                .extension_policies(ca_policy=CA_POLICY, ee_policy=EE_POLICY)
                .build_server_verifier(subject))
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
                "yours, or in [[tls.chain]].",
            )
        return Problem(f"the chain does not verify: {exc}",
                       "Check the certificate and chain with your CA.")
    return None


def check(material: Material, hostname: str, roots: list[x509.Certificate],
          now: dt.datetime | None = None, rsa_only: bool = False) -> list[Problem]:
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
                                "Renew it with your CA and point [[tls.certificate]] at the "
                                "new one."))
    elif info.days_left(now) < RENEW_WARNING_DAYS:
        problems.append(Problem(f"the certificate expires in {info.days_left(now)} days",
                                "Renew it soon with your CA.", fatal=False))
    if not covers(info.names, hostname):
        names = ", ".join(info.names) or "no names"
        problems.append(Problem(f"the certificate is for {names}, not {hostname}",
                                f"Get a certificate that names {hostname}, or set [[hostname]] "
                                "to a name it covers."))
    for found in (key_problem(material, rsa_only), order_problem(material)):
        if found:
            problems.append(found)
    if not any(p.fatal for p in problems):
        found = chain_problem(material, hostname, roots, now)
        if found:
            problems.append(found)
    return problems
