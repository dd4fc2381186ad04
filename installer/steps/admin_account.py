"""cht.admin-password: the password in the line's .env signs in as CHT's admin (medic) over
HTTPS, the way an admin would (CouchDB's /_session through CHT's nginx)."""

from __future__ import annotations

import json

from installer.lines import password_in
from installer.step import Context, Finding, Status, StepError, broken, needed, ok
from installer.steps.verify import ADDRESS, PROXY_ERRORS, installing_itself

SIGN_IN_TIMEOUT = 60.0
SESSION = "/_session"  # CouchDB's, through CHT's nginx (both lines)
CHANGED_FIX = (
    "If the password was changed in CHT, put the new one in {env} "
    "({key}=..., mode 0600) and run cht-install again. To change the admin password, run "
    "`sudo cht-install password`: it changes it in CouchDB and {env} together."
)
UNFINISHED_FIX = ("A change of the admin password was cut short: run `sudo cht-install "
                  "password` to finish it.")
UNFINISHED = "password-change.json"  # the change's note (installer/password_change.py)


def roles(body: bytes) -> tuple[str | None, list[str]]:
    try:
        session = json.loads(body.decode("utf-8"))
        user = session.get("userCtx") or {}
        return user.get("name"), [str(r) for r in user.get("roles") or []]
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None, []


class AdminPassword:
    """The password in the line's .env signs in to CHT as its admin over HTTPS."""

    id = "cht.admin-password"
    title = "The admin password works"

    def probe(self, ctx: Context) -> Finding:
        env = ctx.line.env_file(ctx.paths)
        password = password_in(ctx.host.read_text(env), ctx.line)
        if password is None:
            return needed(f"{env} has no admin password yet")
        ctx.host.add_secret(password)
        answer = ctx.host.https_get(ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                                    path=SESSION, auth=(ctx.line.admin_user, password))
        if answer.status is None or answer.status in PROXY_ERRORS:
            doing = installing_itself(ctx) if answer.status else None
            why = "CHT is still installing itself" if doing else (
                f"CHT does not answer ({answer.status or answer.error})")
            return needed(f"the password cannot be tried yet: {why}")
        name, granted = roles(answer.body)
        if answer.status == 200 and name == ctx.line.admin_user and "_admin" in granted:
            return ok(f"{ctx.line.admin_user} signs in over HTTPS with the password in {env} "
                      "(CouchDB admin)")
        if answer.status == 200:
            return broken(f"{ctx.line.admin_user} signs in but is not an admin (roles: "
                           f"{', '.join(granted) or 'none'})",
                           "Give medic the _admin role back in CHT's admin app.")
        elsewhere = ctx.line.password_found_elsewhere(ctx, password, env)
        if elsewhere is not None:
            return elsewhere
        unfinished = ctx.host.read_text(ctx.paths.journal.with_name(UNFINISHED)) is not None
        return broken(f"the password in {env} does not work for {ctx.line.admin_user} "
                       f"(CHT answered {answer.status})",
                      UNFINISHED_FIX if unfinished else
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
