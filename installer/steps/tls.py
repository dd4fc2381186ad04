"""tls.certificate and tls.installed: the certificate for the host name (self-signed or
the operator's own, checked first), and that certificate in medic-os's nginx."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from installer.lines import line_for
from installer.setting_names import FIELD_LABELS
from installer.step import Context, Finding, StepError, blocked, broken, needed, ok, warning
from installer.tls.certinfo import covers, key_matches, summarize
from installer.tls.checks import check
from installer.tls.material import Material, MaterialError, load
from installer.tls.selfsigned import generate
from installer.tls.trust import roots, roots_pem

RESTART_NGINX = ["/boot/svc-restart", "medic-core", "nginx"]
RELOAD_NGINX = ["/boot/svc-reload", "medic-core", "nginx"]
NOT_FOUND = (126, 127)
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
    """The certificate (leaf then chain, PEM) and key cht-install keeps for nginx."""
    cert = ctx.host.read_text(ctx.paths.certificate)
    key = ctx.host.read_text(ctx.paths.private_key)
    return (cert.encode(), key.encode()) if cert and key else None


def operator_material(ctx: Context) -> Material | Finding:
    """The operator's own certificate files, loaded; or the finding that says why not."""
    tls = ctx.config.tls
    files: dict[str, bytes | None] = {}
    for name in ("certificate", "chain", "key"):
        path = getattr(tls, name)
        if path is None:
            files[name] = None
            continue
        data = ctx.host.read_bytes(Path(path))
        if data is None:
            return blocked(f"the {FIELD_LABELS['tls.' + name].lower()} {path} cannot be read",
                           f"Copy the file to {path} (or fix [[tls.{name}]]) and run again.")
        files[name] = data
    assert files["certificate"] is not None
    try:
        return load(files["certificate"], files["chain"], files["key"], tls.password)
    except MaterialError as exc:
        return blocked(exc.reason, exc.fix)


def _self_signed(ctx: Context, pair: tuple[bytes, bytes]) -> Finding:
    hostname = ctx.config.hostname_ascii
    try:
        cert = x509.load_pem_x509_certificate(pair[0])
        key = serialization.load_pem_private_key(pair[1], password=None)
    except ValueError as exc:
        return broken(f"the certificate or key does not parse: {exc}",
                      "cht-install makes a new self-signed certificate.")
    if cert.issuer != cert.subject:
        return needed("the installed certificate is not a self-signed one (mode changed)",
                      "cht-install makes a self-signed certificate; the old one is kept "
                      "as cht.crt.previous.")
    if not key_matches(cert, key):
        return broken("the key does not match the certificate",
                      "cht-install makes a new self-signed certificate.")
    info = summarize(cert)
    if not covers(info.names, hostname):  # the host name was changed: a change, not a fault
        return needed(f"the certificate is for {', '.join(info.names)}; the host name is now "
                      f"{hostname}", "cht-install makes a new one for the host name.")
    days = info.days_left()
    if days < 0:
        return broken(f"the certificate expired {-days} days ago: phones refuse it",
                      "cht-install makes a new self-signed certificate.")
    if days < RENEW_BEFORE_DAYS:
        return needed(f"the certificate expires in {days} days: time to renew it",
                      "cht-install makes a new self-signed certificate.")
    return ok(f"self-signed for {hostname}, {days} days left")


def _own(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
    material = operator_material(ctx)
    if isinstance(material, Finding):
        source = (ctx.host.read_text(ctx.paths.tls_source) or "").strip()
        if pair is not None and source == "own" and "cannot be read" in material.reason:
            installed = load(pair[0], None, pair[1], None)
            info = summarize(installed.leaf)
            if covers(info.names, ctx.config.hostname_ascii) and info.days_left() >= 0:
                return warning(f"{material.reason}; the installed copy is used "
                               f"({info.days_left()} days left)", material.fix,
                               material.on_screen)
        return material
    trusted = roots(roots_pem(ctx.host, ctx.config.tls.trust_store))
    key_types = line_for(ctx.config).key_types
    problems = check(material, ctx.config.hostname_ascii, trusted,
                     rsa_only=key_types == ("RSA",))
    fatal = [p for p in problems if p.fatal]
    if fatal:
        return blocked("; ".join(p.reason for p in fatal), " ".join(p.fix for p in fatal))
    info = summarize(material.leaf)
    if pair is None or pair[0] != material.fullchain_pem() or pair[1] != material.key_pem():
        return needed(f"your certificate for {', '.join(info.names)} is not installed yet "
                      "(it passed every check)")
    if problems:
        return warning("; ".join(p.reason for p in problems), " ".join(p.fix for p in problems))
    return ok(f"your certificate for {', '.join(info.names)}, chain verified, "
              f"{info.days_left()} days left")


class TlsCertificate:
    id = "tls.certificate"
    title = "TLS certificate for the host name"

    def probe(self, ctx: Context) -> Finding:
        mode = ctx.config.tls.mode
        pair = installed_pair(ctx)
        if mode == "own":
            return _own(ctx, pair)
        if mode == "letsencrypt":
            from installer.steps import acme  # acme builds on this module's helpers

            return acme.probe_certificate(ctx)
        if pair is None:
            return needed(f"no certificate in {ctx.paths.tls_dir} yet")
        return _self_signed(ctx, pair)

    def apply(self, ctx: Context) -> None:
        if ctx.config.tls.mode == "letsencrypt":
            from installer.steps import acme

            acme.apply_certificate(ctx)
            return
        if ctx.config.tls.mode == "own":
            material = operator_material(ctx)
            if isinstance(material, Finding):
                raise StepError(material.reason, material.fix, material.on_screen)
            certificate, key = material.fullchain_pem(), material.key_pem()
        else:
            addresses = host_addresses() if ctx.host.live else []
            pair = generate(ctx.config.hostname_ascii, addresses)
            certificate, key = pair.certificate_pem, pair.key_pem
        keep_previous(ctx)
        ctx.host.write_file(ctx.paths.certificate, certificate, 0o644)
        ctx.host.write_file(ctx.paths.private_key, key, 0o600)
        ctx.host.write_file(ctx.paths.tls_source, f"{ctx.config.tls.mode}\n", 0o644)


def keep_previous(ctx: Context) -> None:
    """Keep the certificate being replaced (cht.crt.previous) so that it can be put back."""
    pair = installed_pair(ctx)
    if pair is None:
        return
    ctx.host.write_file(ctx.paths.certificate.with_suffix(".crt.previous"), pair[0], 0o644)
    ctx.host.write_file(ctx.paths.private_key.with_suffix(".key.previous"), pair[1], 0o600)


class TlsInstalled:
    id = "tls.installed"
    title = "Certificate is installed in CHT's web server"

    def probe(self, ctx: Context) -> Finding:
        pair = installed_pair(ctx)
        web = line_for(ctx.config).web_server()
        if pair is None:
            return needed("no certificate to install yet")
        served = ctx.host.container_read(web.container, web.certificate)
        key = ctx.host.container_read(web.container, web.key)
        if served is None:
            return needed(f"{web.container} is not running, or has no certificate yet")
        if served.strip() != pair[0].strip() or (key or b"").strip() != pair[1].strip():
            return needed(f"{web.container} has a different certificate at {web.certificate}")
        return ok(f"{web.certificate} in {web.container} is the installer's certificate")

    def apply(self, ctx: Context) -> None:
        pair = installed_pair(ctx)
        web = line_for(ctx.config).web_server()
        if pair is None:
            raise StepError("no certificate to install", "re-run to make one")
        ctx.host.container_put(web.container, {web.certificate: (pair[0], 0o644),
                                               web.key: (pair[1], 0o600)})
        reload_nginx(ctx)


def reload_nginx(ctx: Context) -> None:
    """Reload the line's nginx gracefully (no dropped requests); where medic-os has no
    reload command, restart it as CHT documents (a moment of downtime)."""
    web = line_for(ctx.config).web_server()
    result = ctx.host.container_exec(web.container, web.reload)
    if result.ok:
        return
    if web.restart != web.reload and (
            result.returncode in NOT_FOUND or "not found" in result.tail(3).lower()):
        ctx.log(f"{web.container} has no svc-reload; restarting nginx instead")
        result = ctx.host.container_exec(web.container, web.restart)
    if not result.ok:
        raise StepError(
            f"nginx in {web.container} did not take the change: {result.tail(3)}",
            f"Run `docker exec {web.container} {' '.join(web.restart)}` to see why.",
        )
