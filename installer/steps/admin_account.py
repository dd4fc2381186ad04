"""cht.admin-password: the password in the line's .env signs in as CHT's admin (medic) over
HTTPS, the way an admin would (CouchDB's /_session through CHT's nginx)."""

from __future__ import annotations

import json

from installer.lines import password_in
from installer.lines.cht3 import facts as cht3
from installer.step import Context, Finding, Status, StepError, broken, needed, ok
from installer.steps.verify import ADDRESS, PROXY_ERRORS, installing_itself

SIGN_IN_TIMEOUT = 60.0
PICKED_FIX = (
    "Find the password medic-os set: it keeps a copy (`docker exec medic-os cat {copy}`), "
    "and printed it once when it chose one (`docker logs medic-os 2>&1 | grep 'New CouchDB "
    "Administrative Password'`). Sign in to CHT as medic with it, then either keep it (put "
    "it in {env} as DOCKER_COUCHDB_ADMIN_PASSWORD='...') or change the medic user's "
    "password in CHT's admin app to the one in {env}. Then run cht-install again."
)
CHANGED_FIX = (
    "If the password was changed in CHT, put the new one in {env} "
    "({key}=..., mode 0600), or change it back in CHT's admin app. "
    "Then run cht-install again."
)


def roles(body: bytes) -> tuple[str | None, list[str]]:
    try:
        session = json.loads(body.decode("utf-8"))
        user = session.get("userCtx") or {}
        return user.get("name"), [str(r) for r in user.get("roles") or []]
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None, []


def said_it_picked_one(ctx: Context) -> bool:
    """Whether medic-os's log says it chose the medic password itself (it got none)."""
    client = ctx.host.docker()
    if client is None:
        return False
    try:
        logs = client.containers.get("medic-os").logs(stream=True, follow=False)
    except Exception:
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


class AdminPassword:
    id = "cht.admin-password"
    title = "The admin password works"

    def probe(self, ctx: Context) -> Finding:
        env = ctx.line.env_file(ctx.paths)
        password = password_in(ctx.host.read_text(env), ctx.line)
        if password is None:
            return needed(f"{env} has no admin password yet")
        ctx.host.add_secret(password)
        answer = ctx.host.https_get(ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                                    path=cht3.SESSION, auth=(cht3.ADMIN_USER, password))
        if answer.status is None or answer.status in PROXY_ERRORS:
            doing = installing_itself(ctx) if answer.status else None
            why = "CHT is still installing itself" if doing else (
                f"CHT does not answer ({answer.status or answer.error})")
            return needed(f"the password cannot be tried yet: {why}")
        name, granted = roles(answer.body)
        if answer.status == 200 and name == cht3.ADMIN_USER and "_admin" in granted:
            return ok(f"{cht3.ADMIN_USER} signs in over HTTPS with the password in {env} "
                      "(CouchDB admin)")
        if answer.status == 200:
            return broken(f"{cht3.ADMIN_USER} signs in but is not an admin (roles: "
                           f"{', '.join(granted) or 'none'})",
                           "Give medic the _admin role back in CHT's admin app.")
        elsewhere = ctx.line.password_found_elsewhere(ctx, password, env)
        if elsewhere is not None:
            return elsewhere
        return broken(f"the password in {env} does not work for {cht3.ADMIN_USER} "
                       f"(CHT answered {answer.status})",
                      CHANGED_FIX.format(env=env, key=ctx.line.password_key))

    def apply(self, ctx: Context) -> None:
        last: list[Finding] = []

        def tried() -> bool:
            last[:] = [self.probe(ctx)]
            return last[0].status is not Status.NEEDED

        # CouchDB may take a moment after CHT's API answers; a wrong password does not wait.
        ctx.host.wait_until(tried, SIGN_IN_TIMEOUT, "medic to sign in over HTTPS")
        if not last:
            return  # a plan: nothing was tried
        finding = last[0]
        if not finding.ok:
            raise StepError(finding.reason, finding.fix or "Run cht-install again once CHT "
                            "answers on HTTPS.")
