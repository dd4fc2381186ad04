"""The certificate and key cht-install keeps for CHT's web server (whatever their source):
read them, keep the one being replaced, write a new pair, and have nginx take it."""

from __future__ import annotations

import ipaddress

import psutil

from installer.step import Context, StepError

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


def keep_previous(ctx: Context) -> None:
    """Keep the certificate being replaced (cht.crt.previous) so that it can be put back."""
    pair = installed_pair(ctx)
    if pair is None:
        return
    ctx.host.write_file(ctx.paths.certificate.with_suffix(".crt.previous"), pair[0], 0o644)
    ctx.host.write_file(ctx.paths.private_key.with_suffix(".key.previous"), pair[1], 0o600)


def install_pair(ctx: Context, certificate: bytes | str, key: bytes | str, source: str) -> None:
    """Write a new pair (the one it replaces kept as .previous) and the source it came from."""
    keep_previous(ctx)
    ctx.host.write_file(ctx.paths.certificate, certificate, 0o644)
    ctx.host.write_file(ctx.paths.private_key, key, 0o600)
    ctx.host.write_file(ctx.paths.tls_source, f"{source}\n", 0o644)


def reload_nginx(ctx: Context) -> None:
    """Reload the line's nginx gracefully (no dropped requests); where medic-os has no
    reload command, restart it as CHT documents (a moment of downtime)."""
    web = ctx.line.web_server()
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
