"""Let's Encrypt (ACME HTTP-01) for tls.mode letsencrypt: the challenge location in
medic-os's nginx, pre-flight checks, ordering, and scheduled renewal."""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from installer import schedule
from installer.lines import line_for
from installer.step import Context, Finding, StepError, blocked, needed, ok
from installer.steps.tls import (
    RENEW_BEFORE_DAYS,
    host_addresses,
    installed_pair,
    keep_previous,
    reload_nginx,
)
from installer.tls.acme_order import LETS_ENCRYPT, AcmeError, AcmeRequest
from installer.tls.certinfo import covers, key_matches, summarize
from installer.tls.nginx_conf import (
    ConfError,
    has_challenge_location,
    with_challenge_location,
)

NGINX_CONF = "/srv/settings/medic-core/nginx/nginx.conf"
CRON_SCHEDULE = "17 3,15 * * *"  # twice a day, off the hour


def _new_key_pem() -> bytes:
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


class TlsChallengeLocation:
    """Where the certificate comes from Let's Encrypt, the line's web server serves its
    HTTP-01 challenge."""

    id = "tls.challenge-location"
    # true whatever the certificate: the web server is ready for Let's Encrypt, where used
    title = "Web server is ready for Let's Encrypt's check"

    def probe(self, ctx: Context) -> Finding:
        if ctx.config.tls.mode != "letsencrypt":
            return ok("not needed: the certificate does not come from Let's Encrypt")
        return line_for(ctx.config).challenge_location(ctx)

    def apply(self, ctx: Context) -> None:
        line_for(ctx.config).add_challenge_location(ctx)


def medic_os_challenge_location(ctx: Context) -> Finding:
    """medic-os's nginx.conf serves /.well-known/acme-challenge/ from the volume."""
    conf = ctx.host.container_read("medic-os", NGINX_CONF)
    if conf is None:
        return needed("medic-os is not running yet")
    if has_challenge_location(conf.decode(errors="replace")):
        return ok(f"{NGINX_CONF} serves /.well-known/acme-challenge/ from the volume")
    return needed(f"{NGINX_CONF} has no /.well-known/acme-challenge/ location yet")


def add_medic_os_challenge_location(ctx: Context) -> None:
    """Add the challenge location to medic-os's nginx.conf, then reload nginx."""
    conf = ctx.host.container_read("medic-os", NGINX_CONF)
    if conf is None and ctx.host.live:
        raise StepError("medic-os has no nginx.conf to add the challenge location to",
                        "Check that medic-os is running (docker ps), then run again.")
    try:
        patched = with_challenge_location((conf or b"listen 80;\n").decode())
    except ConfError as exc:
        raise StepError(f"{NGINX_CONF}: {exc}",
                        "Restore a server block that listens on port 80.") from exc
    ctx.host.container_put("medic-os", {NGINX_CONF: (patched.encode(), 0o644)})
    reload_nginx(ctx)


def _obtained(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding | None:
    """ok when a CA certificate from this mode is installed and has 30+ days left."""
    if pair is None or (ctx.host.read_text(ctx.paths.tls_source) or "").strip() != "letsencrypt":
        return None
    cert = x509.load_pem_x509_certificate(pair[0])
    key = serialization.load_pem_private_key(pair[1], password=None)
    info = summarize(cert)
    if not key_matches(cert, key) or not covers(info.names, ctx.config.hostname_ascii):
        return None
    days = info.days_left()
    if days < RENEW_BEFORE_DAYS or ctx.facts.get("force_renewal"):
        return None
    return ok(f"from {cert.issuer.rfc4514_string()}, {days} days left")


def probe_certificate(ctx: Context) -> Finding:
    found = _obtained(ctx, installed_pair(ctx))
    if found is not None:
        return found
    problem = preflight(ctx)
    if problem is not None:
        return problem
    why = "renewal forced" if ctx.facts.get("force_renewal") else "none yet, or due for renewal"
    return needed(f"a Let's Encrypt certificate for {ctx.config.hostname_ascii} is needed ({why})")


def apply_certificate(ctx: Context) -> None:
    tls, paths, host = ctx.config.tls, ctx.paths, ctx.host
    account = host.read_bytes(paths.acme_account_key)
    if account is None:
        account = _new_key_pem()
        host.write_file(paths.acme_account_key, account, 0o600)
    key = _new_key_pem()

    web = line_for(ctx.config).web_server()
    root = line_for(ctx.config).challenge_root

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
    keep_previous(ctx)
    host.write_file(paths.certificate, chain or "<issued chain>", 0o644)
    host.write_file(paths.private_key, key, 0o600)
    host.write_file(paths.tls_source, "letsencrypt\n", 0o644)
    ctx.facts["force_renewal"] = False  # done: the new certificate now probes on its own


RENEWAL = schedule.Job(
    unit="cht-install-renew", cron_name="cht-install",
    what="Renew CHT's Let's Encrypt certificate", command=("renew-cert",),
    cron_time=CRON_SCHEDULE, calendar="*-*-* 03,15:17:00", when="twice a day",
    spread_seconds=3600)


def renewal_files(ctx: Context) -> dict[str, str]:
    """Path -> content of the renewal schedule: systemd timer, or cron without systemd."""
    return schedule.files(ctx, RENEWAL)


class TlsRenewal:
    id = "tls.renewal"
    title = "Certificate renews itself"

    def probe(self, ctx: Context) -> Finding:
        if ctx.config.tls.mode != "letsencrypt":
            return ok("not needed: the certificate does not come from Let's Encrypt")
        return schedule.probe(ctx, RENEWAL)

    def apply(self, ctx: Context) -> None:
        schedule.apply(ctx, RENEWAL)

