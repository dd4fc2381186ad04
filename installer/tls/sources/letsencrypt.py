"""The Let's Encrypt source (ACME HTTP-01): pre-flight checks, ordering, and the
certificate kept until 30 days before it expires."""

from __future__ import annotations

import ipaddress

from installer.step import Context, Finding, StepError, blocked, needed, ok
from installer.tls.acme_order import LETS_ENCRYPT, AcmeError, AcmeRequest
from installer.tls.certinfo import covers, pem_pair_matches, pem_summary
from installer.tls.installed import RENEW_BEFORE_DAYS, host_addresses, install_pair


def _new_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def preflight(ctx: Context) -> Finding | None:
    """What would make the CA's check fail, found before asking it (live runs only)."""
    tls, name = ctx.config.tls, ctx.config.hostname_ascii
    if not tls.email:
        return blocked("Let's Encrypt needs an e-mail address for expiry notices",
                       "Set [[tls.email]] to an address someone reads.")
    if not ctx.host.live:
        return None
    try:
        ipaddress.ip_address(name)
        return blocked("Let's Encrypt does not issue certificates for IP addresses here",
                       "Use a DNS name for the server: [[hostname]].")
    except ValueError:
        pass
    addresses = ctx.host.resolve(name)
    if not addresses:
        return blocked(f"{name} does not resolve in DNS",
                       f"Create an A record for {name} pointing at this server's public IP, "
                       "wait a few minutes for it to spread, then run again.")
    mine = set(host_addresses()) | {"127.0.0.1", "::1"}
    if not mine.intersection(addresses):
        ctx.log(f"{name} resolves to {', '.join(addresses)}, not an address on this machine "
                "(fine behind NAT or a cloud's public IP; otherwise fix the DNS record)")
    port = ctx.config.http_port
    if not any(ctx.host.tcp_open(address, port) for address in addresses):
        return blocked(f"nothing answers on {name} port {port}, where the CA will look",
                       f"Open port {port} in the firewall / security group and make sure "
                       "CHT is running (docker ps), then run again.")
    return None


def _obtained(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding | None:
    """ok when a CA certificate from this mode is installed and has 30+ days left."""
    if pair is None or (ctx.host.read_text(ctx.paths.tls_source) or "").strip() != "letsencrypt":
        return None
    info = pem_summary(pair[0])
    if not pem_pair_matches(*pair) or not covers(info.names, ctx.config.hostname_ascii):
        return None
    days = info.days_left()
    if days < RENEW_BEFORE_DAYS or ctx.facts.force_renewal:
        return None
    from cryptography import x509  # the CA's name in its words

    issuer = x509.load_pem_x509_certificate(pair[0]).issuer.rfc4514_string()
    return ok(f"from {issuer}, {days} days left")


def probe(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
    """A Let's Encrypt certificate for the host name with 30 days or more left; else what
    would make the CA's check fail, found before asking it."""
    found = _obtained(ctx, pair)
    if found is not None:
        return found
    problem = preflight(ctx)
    if problem is not None:
        return problem
    why = "renewal forced" if ctx.facts.force_renewal else "none yet, or due for renewal"
    return needed(f"a Let's Encrypt certificate for {ctx.config.hostname_ascii} is needed ({why})")


def obtain(ctx: Context) -> None:
    """Order a certificate (HTTP-01, answered from the line's web server) and install it."""
    tls, paths, host = ctx.config.tls, ctx.paths, ctx.host
    account = host.read_bytes(paths.acme_account_key)
    if account is None:
        account = _new_key_pem()
        host.write_file(paths.acme_account_key, account, 0o600)
    key = _new_key_pem()

    web = ctx.line.web_server()
    root = ctx.line.challenge_root

    def publish(token: str, validation: str) -> None:
        path = f"{root}/.well-known/acme-challenge/{token}"
        host.container_put(web.container, {path: (validation.encode(), 0o644)})

    directory = tls.acme_directory or LETS_ENCRYPT
    ctx.log(f"asking {directory} for a certificate for {ctx.config.hostname_ascii}")
    try:
        chain = host.acme_order(AcmeRequest(
            directory=directory, account_key_pem=account, email=str(tls.email),
            hostname=ctx.config.hostname_ascii, key_pem=key, ca_bundle=tls.trust_store), publish)
    except AcmeError as exc:
        raise StepError(exc.reason, exc.fix) from exc
    install_pair(ctx, chain or "<issued chain>", key, "letsencrypt")
    ctx.facts.force_renewal = False  # done: the new certificate now probes on its own
