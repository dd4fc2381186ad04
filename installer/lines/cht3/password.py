"""medic-os and the admin password: when it got none, it picks one, prints it once and
keeps a copy; a .env password that does not sign in may be why."""

from __future__ import annotations

from pathlib import Path

from installer.host.docker_api import docker_errors
from installer.lines.cht3 import facts as cht3
from installer.step import Context, Finding, broken

PICKED_FIX = (
    "Find the password medic-os set: it keeps a copy (`docker exec medic-os cat {copy}`), "
    "and printed it once when it chose one (`docker logs medic-os 2>&1 | grep 'New CouchDB "
    "Administrative Password'`). Sign in to CHT as medic with it, then either keep it (put "
    "it in {env} as DOCKER_COUCHDB_ADMIN_PASSWORD='...') or change the medic user's "
    "password in CHT's admin app to the one in {env}. Then run cht-install again."
)

def said_it_picked_one(ctx: Context) -> bool:
    """Whether medic-os's log says it chose the medic password itself (it got none)."""
    client = ctx.host.docker()
    if client is None:
        return False
    try:
        logs = client.containers.get("medic-os").logs(stream=True, follow=False)
    except docker_errors():
        return False
    carry = b""
    for chunk in logs:
        window = carry + chunk
        if cht3.PICKED_PASSWORD in window:
            return True
        carry = window[-len(cht3.PICKED_PASSWORD):]
    return False


def medic_os_has_another(ctx: Context, password: str) -> bool:
    """medic-os set the medic password to something else than .env's: it said so in its
    log, or its own copy (PASSWORD_FILE, kept across container re-creations) differs."""
    copy = ctx.host.container_read("medic-os", cht3.PASSWORD_FILE)
    if copy is not None and copy.decode(errors="replace").rstrip("\n") != password:
        return True
    return said_it_picked_one(ctx)


def found_elsewhere(ctx: Context, password: str, env: Path) -> Finding | None:
    """Broken, with where to find it, when medic-os set another password than .env's."""
    if not medic_os_has_another(ctx, password):
        return None
    return broken(f"the password in {env} does not work: medic-os did not receive it "
                  "and set another one for medic (or .env was changed afterwards)",
                  PICKED_FIX.format(env=env, copy=cht3.PASSWORD_FILE))


def kept_copy(ctx: Context, password: str) -> bool:
    """medic-os's own copy of the medic password (PASSWORD_FILE) says this one, or medic-os
    keeps none (it is not running, or it never got to set one)."""
    copy = ctx.host.container_read("medic-os", cht3.PASSWORD_FILE)
    return copy is None or copy.decode(errors="replace").rstrip("\n") == password


def keep_copy(ctx: Context, password: str) -> None:
    """medic-os's copy says this password, read-only as medic-os writes it (0400)."""
    ctx.host.container_put("medic-os", {cht3.PASSWORD_FILE: (f"{password}\n".encode(), 0o400)})
