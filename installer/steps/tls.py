"""tls.certificate and tls.installed: a certificate for the host name, in medic-os's nginx."""

from __future__ import annotations

import ipaddress

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from installer.step import Context, Finding, StepError, blocked, broken, needed, ok
from installer.tls.certinfo import covers, key_matches, summarize
from installer.tls.selfsigned import generate

NGINX_DIR = "/srv/settings/medic-core/nginx/private"
CONTAINER_CERT = f"{NGINX_DIR}/default.crt"
CONTAINER_KEY = f"{NGINX_DIR}/default.key"
RESTART_NGINX = ["/boot/svc-restart", "medic-core", "nginx"]
RENEW_BEFORE_DAYS = 30


def host_addresses() -> list[str]:
    """This machine's IP addresses, loopback excluded, for the certificate's names."""
    found: list[str] = []
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            address = entry.address.split("%")[0]
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                continue
            if not ip.is_loopback and not ip.is_link_local and address not in found:
                found.append(address)
    return found


def installed_pair(ctx: Context) -> tuple[bytes, bytes] | None:
    cert = ctx.host.read_text(ctx.paths.certificate)
    key = ctx.host.read_text(ctx.paths.private_key)
    return (cert.encode(), key.encode()) if cert and key else None


class TlsCertificate:
    id = "tls.certificate"
    title = "TLS certificate for the host name"

    def probe(self, ctx: Context) -> Finding:
        mode, hostname = ctx.config.tls.mode, ctx.config.hostname
        if mode != "self-signed":
            return blocked(
                f"tls.mode {mode} is not available in this version of cht-install",
                "Use tls.mode: self-signed for now.",
            )
        pair = installed_pair(ctx)
        if pair is None:
            return needed(f"no certificate in {ctx.paths.tls_dir} yet")
        try:
            cert = x509.load_pem_x509_certificate(pair[0])
            key = serialization.load_pem_private_key(pair[1], password=None)
        except ValueError as exc:
            return broken(f"the certificate or key does not parse: {exc}",
                          "cht-install makes a new self-signed certificate.")
        if not key_matches(cert, key):
            return broken("the key does not match the certificate",
                          "cht-install makes a new self-signed certificate.")
        info = summarize(cert)
        if not covers(info.names, hostname):
            return broken(f"the certificate is for {', '.join(info.names)}, not {hostname}",
                          "cht-install makes a new one for the host name.")
        days = info.days_left()
        if days < RENEW_BEFORE_DAYS:
            return broken(f"the certificate expires in {days} days",
                          "cht-install makes a new self-signed certificate.")
        return ok(f"self-signed for {hostname}, {days} days left")

    def apply(self, ctx: Context) -> None:
        addresses = host_addresses() if ctx.host.live else []
        pair = generate(ctx.config.hostname, addresses)
        ctx.host.write_file(ctx.paths.certificate, pair.certificate_pem, 0o644)
        ctx.host.write_file(ctx.paths.private_key, pair.key_pem, 0o600)


class TlsInstalled:
    id = "tls.installed"
    title = "Certificate is installed in CHT's web server"

    def probe(self, ctx: Context) -> Finding:
        pair = installed_pair(ctx)
        if pair is None:
            return needed("no certificate to install yet")
        served = ctx.host.container_read("medic-os", CONTAINER_CERT)
        key = ctx.host.container_read("medic-os", CONTAINER_KEY)
        if served is None:
            return needed("medic-os is not running, or has no certificate yet")
        if served.strip() != pair[0].strip() or (key or b"").strip() != pair[1].strip():
            return needed(f"medic-os has a different certificate at {CONTAINER_CERT}")
        return ok(f"{CONTAINER_CERT} in medic-os is the installer's certificate")

    def apply(self, ctx: Context) -> None:
        pair = installed_pair(ctx)
        if pair is None:
            raise StepError("no certificate to install", "re-run to make one")
        ctx.host.container_put("medic-os", {CONTAINER_CERT: (pair[0], 0o644),
                                            CONTAINER_KEY: (pair[1], 0o600)})
        result = ctx.host.container_exec("medic-os", RESTART_NGINX)
        if not result.ok:
            raise StepError(
                f"restarting nginx in medic-os failed: {result.tail(3)}",
                "Run `docker exec medic-os /boot/svc-restart medic-core nginx` to see why.",
            )
