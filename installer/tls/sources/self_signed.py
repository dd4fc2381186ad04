"""The self-signed source: cht-install makes a certificate for the host name and this
server's addresses (for trials: each phone must trust it)."""

from __future__ import annotations

from installer.step import Context, Finding, broken, needed, ok
from installer.tls.certinfo import covers, pem_pair_matches, pem_self_issued, pem_summary
from installer.tls.installed import RENEW_BEFORE_DAYS, host_addresses, install_pair


def probe(ctx: Context, pair: tuple[bytes, bytes] | None) -> Finding:
    """A self-signed certificate for the host name, with 30 days or more left."""
    if pair is None:
        return needed(f"no certificate in {ctx.paths.tls_dir} yet")
    hostname = ctx.config.hostname_ascii
    try:
        info, self_issued = pem_summary(pair[0]), pem_self_issued(pair[0])
        matches = pem_pair_matches(*pair)
    except ValueError as exc:
        return broken(f"the certificate or key does not parse: {exc}",
                      "cht-install makes a new self-signed certificate.")
    if not self_issued:
        return needed("the installed certificate is not a self-signed one (mode changed)",
                      "cht-install makes a self-signed certificate; the old one is kept "
                      "as cht.crt.previous.")
    if not matches:
        return broken("the key does not match the certificate",
                      "cht-install makes a new self-signed certificate.")
    if not covers(info.names, hostname):  # the host name was changed: a change, not a fault
        return needed(f"the certificate is for {', '.join(info.names)}; the host name is now "
                      f"{hostname}", "cht-install makes a new one for the host name.")
    days = info.days_left()
    if days < 0:
        return broken(f"the certificate expired on {info.not_after:%Y-%m-%d}: phones refuse it",
                      "cht-install makes a new self-signed certificate.")
    if days < RENEW_BEFORE_DAYS:
        return needed(f"the certificate expires in {days} days: time to renew it",
                      "cht-install makes a new self-signed certificate.")
    return ok(f"self-signed for {hostname}, {days} days left")


def obtain(ctx: Context) -> None:
    """Make a new self-signed certificate and install it."""
    addresses = host_addresses() if ctx.host.live else []
    from installer.tls.selfsigned import generate  # the cryptography library: only here

    pair = generate(ctx.config.hostname_ascii, addresses)
    install_pair(ctx, pair.certificate_pem, pair.key_pem, "self-signed")
