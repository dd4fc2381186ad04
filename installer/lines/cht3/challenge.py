"""Let's Encrypt's challenge in medic-os: its nginx.conf serves /.well-known/acme-challenge/
from the volume (CHT's 3.x certificate page leaves this to the operator)."""

from __future__ import annotations

from installer.step import Context, Finding, StepError, needed, ok
from installer.tls.installed import reload_nginx
from installer.tls.nginx_conf import ConfError, has_challenge_location, with_challenge_location

NGINX_CONF = "/srv/settings/medic-core/nginx/nginx.conf"


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
