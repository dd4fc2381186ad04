"""tls.certificate and tls.installed: the certificate for the host name from its source
(installer/tls/sources), and that certificate in the line's web server."""

from __future__ import annotations

from installer.step import Context, Finding, StepError, needed, ok
from installer.tls.installed import installed_pair, reload_nginx
from installer.tls.sources import SOURCES


class TlsCertificate:
    """A certificate for the host name, from the source the answers choose, is kept.

    It lives in /etc/cht-install/tls; the one it replaces is kept as .previous.
    """

    id = "tls.certificate"
    title = "TLS certificate for the host name"

    def probe(self, ctx: Context) -> Finding:
        return SOURCES[ctx.config.tls.mode].probe(ctx, installed_pair(ctx))

    def apply(self, ctx: Context) -> None:
        SOURCES[ctx.config.tls.mode].obtain(ctx)


class TlsInstalled:
    """The line's web server holds the installer's certificate and key, and has reloaded."""

    id = "tls.installed"
    title = "Certificate is installed in CHT's web server"

    def probe(self, ctx: Context) -> Finding:
        pair = installed_pair(ctx)
        web = ctx.line.web_server()
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
        web = ctx.line.web_server()
        if pair is None:
            raise StepError("no certificate to install", "re-run to make one")
        ctx.host.container_put(web.container, {web.certificate: (pair[0], 0o644),
                                               web.key: (pair[1], 0o600)})
        reload_nginx(ctx)
