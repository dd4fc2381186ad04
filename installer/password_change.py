"""`cht-install password`: the admin (medic) password changed in CouchDB, in .env and in the
services that hold it, in an order that a kill at any point cannot leave apart."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from installer.events import Emit, RunFinished
from installer.host import PlanHost
from installer.journal import Journal, RunLock
from installer.lines import password_in
from installer.paths import Paths
from installer.runner import PlannedStep, Runner
from installer.session import Session
from installer.step import Context, Finding, Step, StepError, broken, needed, ok
from installer.steps.admin_account import SESSION, UNFINISHED, roles
from installer.steps.verify import ADDRESS, PROXY_ERRORS

PENDING = UNFINISHED  # beside the journal; root only (0600), like .env
ANSWER_WITHIN = 120.0  # seconds CHT may take to answer over HTTPS before the change
SIGN_IN_WITHIN = 30.0  # seconds CouchDB may take to take the new password
NOT_ANSWERING_FIX = ("Run `sudo cht-install` to repair CHT first (`sudo cht-install doctor` "
                     "says what is wrong), then run `sudo cht-install password` again: it "
                     "goes on from where it stopped.")
NEITHER_FIX = ("The password was changed outside cht-install while this change was under "
               "way. Find the password that works (sign in at CHT as medic), put it in {env} "
               "({key}=...), delete {pending}, then run `sudo cht-install password` again.")


@dataclass(frozen=True)
class Change:
    """The password CouchDB's admin had when the change began, and the one it gets."""

    old: str
    new: str


def pending_file(paths: Paths) -> Path:
    return paths.journal.with_name(PENDING)


def pending_change(session: Session) -> Change | None:
    """A change that was started and not finished (the process was killed, the power cut)."""
    text = session.real.read_text(pending_file(session.paths))
    if not text:
        return None
    try:
        data = json.loads(text)
        return Change(str(data["old"]), str(data["new"]))
    except (ValueError, KeyError, TypeError):
        return None


def signs_in(ctx: Context, password: str) -> bool | None:
    """Whether the admin signs in with this password over HTTPS (CouchDB's /_session
    through CHT's nginx); None when CHT does not answer."""
    answer = ctx.host.https_get(ADDRESS, ctx.config.https_port, ctx.config.hostname_ascii,
                                path=SESSION, auth=(ctx.line.admin_user, password))
    if answer.status is None or answer.status in PROXY_ERRORS:
        return None
    name, granted = roles(answer.body)
    return answer.status == 200 and name == ctx.line.admin_user and "_admin" in granted


def signs_in_directly(ctx: Context, password: str) -> bool | None:
    """Whether the admin signs in with this password at CouchDB's own port, past CHT's API
    (which does not answer while its services hold another password); None when CouchDB
    does not answer there either."""
    container, port = ctx.line.couchdb_port
    answer = ctx.host.container_get(container, port, SESSION, (ctx.line.admin_user, password))
    if answer.status is None:
        return None
    name, granted = roles(answer.body)
    return answer.status == 200 and name == ctx.line.admin_user and "_admin" in granted


def change_of(ctx: Context) -> Change:
    change = ctx.facts.password_change
    assert change is not None, "the password steps run with a change"
    return change


class ChangeKept:
    """The change (old and new password) is kept in a root-only file until it is done.

    A run cut short anywhere is then finished, or undone, by the next.
    """

    id = "password.kept"
    title = "The change is written down until it is done"

    def probe(self, ctx: Context) -> Finding:
        text = ctx.host.read_text(pending_file(ctx.paths))
        if text and json.loads(text) == vars(change_of(ctx)):
            return ok(f"kept in {pending_file(ctx.paths)} (root only)")
        return needed("the change is not written down yet")

    def apply(self, ctx: Context) -> None:
        ctx.host.write_file(pending_file(ctx.paths), json.dumps(vars(change_of(ctx))), 0o600)


class CouchdbHasIt:
    """CouchDB's admin account has the new password.

    It is changed in CouchDB's configuration, as Fauxton does, signed in with the old one.
    """

    id = "password.couchdb"
    title = "CouchDB's admin has the new password"

    def probe(self, ctx: Context) -> Finding:
        change = change_of(ctx)
        if signs_in(ctx, change.new):
            return ok(f"{ctx.line.admin_user} signs in over HTTPS with the new password")
        works = signs_in(ctx, change.old)
        if works:
            return needed("CouchDB's admin still has the old password")
        if works is None and signs_in_directly(ctx, change.new):
            # e.g. the power went after CouchDB took it: CHT's services started again with
            # the old one from .env and cannot sign in, so CHT does not answer
            return ok(f"{ctx.line.admin_user} signs in to CouchDB itself with the new "
                      "password (CHT does not answer over HTTPS until its services have it)")
        if works is None:
            return needed("CHT does not answer over HTTPS yet, so the password cannot be "
                          "changed yet")
        env = ctx.line.env_file(ctx.paths)
        return broken("neither the old nor the new password signs in as "
                      f"{ctx.line.admin_user}",
                      NEITHER_FIX.format(env=env, key=ctx.line.password_key,
                                         pending=pending_file(ctx.paths)))

    def apply(self, ctx: Context) -> None:
        change = change_of(ctx)
        answered: list[bool | None] = []

        def answers() -> bool:
            answered[:] = [signs_in(ctx, change.old)]
            return answered[0] is not None

        if not ctx.host.wait_until(answers, ANSWER_WITHIN, "CHT to answer over HTTPS"):
            raise StepError("CHT does not answer over HTTPS, so CouchDB's admin password "
                            "was not changed", NOT_ANSWERING_FIX)
        if answered and not answered[0]:
            finding = self.probe(ctx)
            raise StepError(finding.reason, finding.fix or NOT_ANSWERING_FIX)
        put = ctx.host.https_send("PUT", ADDRESS, ctx.config.https_port,
                                  ctx.config.hostname_ascii, ctx.line.admin_config,
                                  (ctx.line.admin_user, change.old),
                                  json.dumps(change.new).encode())
        if put.status != 200:
            raise StepError(f"CouchDB refused the change ({put.status or put.error}); the "
                            "old password still works", "Read the log for CouchDB's answer "
                            "(cht-install's log), then run `sudo cht-install password` "
                            "again.")
        if not ctx.host.wait_until(lambda: bool(signs_in(ctx, change.new)), SIGN_IN_WITHIN,
                                   "the new password to sign in"):
            raise StepError("CouchDB took the change but the new password does not sign in",
                            "Run `sudo cht-install password` again: it puts the old "
                            "password back or finishes the change.")


class EnvHasIt:
    """The line's .env has the new password, and any copy CHT keeps of it says the same.

    CHT's services and the upgrade service read .env.
    """

    id = "password.env"
    title = "The .env file has the new password"

    def probe(self, ctx: Context) -> Finding:
        new = change_of(ctx).new
        env = ctx.line.env_file(ctx.paths)
        if password_in(ctx.host.read_text(env), ctx.line) != new:
            return needed(f"{env} still has the old password")
        if not ctx.line.password_copy_kept(ctx, new):
            return needed("medic-os's own copy of the password is still the old one")
        return ok(f"{env} has the new password")

    def apply(self, ctx: Context) -> None:
        new = change_of(ctx).new
        env = ctx.line.env_file(ctx.paths)
        text = ctx.host.read_text(env) or ""
        ctx.host.write_file(env, with_password(text, ctx.line.password_key,
                                               ctx.line.password_line(new)), 0o600)
        ctx.line.keep_password_copy(ctx, new)


def with_password(text: str, key: str, line: str) -> str:
    """.env text with its ``key`` line replaced by ``line`` (added when there is none);
    every other line kept as it was."""
    lines = text.splitlines()
    at = [i for i, old in enumerate(lines) if old.partition("=")[0].strip() == key
          and not old.lstrip().startswith("#")]
    if at:
        lines[at[0]] = line
        lines = [old for i, old in enumerate(lines) if i not in at[1:]]
    else:
        lines.append(line)
    return "\n".join(lines) + "\n"


class ChangeDone:
    """The kept copy of the change is removed once the new password is proven."""

    id = "password.done"
    title = "The change is done and its kept copy removed"

    def probe(self, ctx: Context) -> Finding:
        if ctx.host.read_text(pending_file(ctx.paths)) is None:
            return ok("nothing is kept")
        return needed(f"{pending_file(ctx.paths)} is still there")

    def apply(self, ctx: Context) -> None:
        note = pending_file(ctx.paths)
        result = ctx.host.run(["rm", "-f", str(note)])
        if not result.ok:
            raise StepError(f"{note} could not be removed: {result.tail(1)}",
                            f"The password is changed. Remove it by hand: sudo rm {note}")


def line_step(session: Session, step_id: str) -> Step:
    return next(step for step in session.line.steps() if step.id == step_id)


def steps(session: Session) -> list[Step]:
    """The change, in order: written down, CouchDB, .env, the services that read .env
    started again with it (the line's own step), proven over HTTPS, the note removed."""
    return [ChangeKept(), CouchdbHasIt(), EnvHasIt(), line_step(session, "cht.running"),
            line_step(session, "cht.admin-password"), ChangeDone()]


def plan(session: Session, change: Change) -> list[PlannedStep]:
    """What the change would do (--dry-run); nothing is changed."""
    ctx = session.context(PlanHost(session.real))
    ctx.facts.password_change = change
    ctx.host.add_secret(change.old)
    ctx.host.add_secret(change.new)
    # A plan does not change CouchDB, so a sign-in with the new password cannot be tried.
    planned = [step for step in steps(session) if step.id != "cht.admin-password"]
    return Runner(planned, ctx).plan()


def apply(session: Session, change: Change, sinks: Sequence[Emit]) -> RunFinished:
    """Make the change under the run lock, journaled (see change_or_undo)."""
    session.keep_secret(change.old, change.new)
    with RunLock(session.paths.lock):
        journal = Journal(session.paths.journal, uuid.uuid4().hex[:12], session.real.redact)
        ctx = session.context(session.real)
        return change_or_undo(ctx, steps(session), change, [journal.record, *sinks])


def change_or_undo(ctx: Context, steps: Sequence[Step], change: Change,
                   sinks: Sequence[Emit]) -> RunFinished:
    """Run the change's steps; when one fails after CouchDB took the new password, run
    them again from the new password back to the old, so that the old one works as
    before. A change that failed before CouchDB took it leaves no note behind when the
    old password still signs in (nothing was changed)."""
    ctx.facts.password_change = change
    ctx.host.log("password change started")
    result = Runner(steps, ctx, sinks).run(accept_warnings=True)
    ctx.host.log(f"password change finished: ok={result.ok} applied={list(result.applied)}")
    if result.ok or result.stopped:
        return result
    if "password.couchdb" not in result.applied:
        if result.failed == "password.couchdb" and signs_in(ctx, change.old):
            ChangeDone().apply(ctx)
        return result
    ctx.facts.password_change = Change(old=change.new, new=change.old)
    undo = Runner(steps, ctx, sinks[:1]).run(accept_warnings=True)
    ctx.host.log(f"password change undone: ok={undo.ok} applied={list(undo.applied)}")
    return result


def refused(session: Session, new: str, old: str | None) -> str | None:
    """Why this new password cannot be used; None when it can (the admin_password answer's
    own checks: its length, and what the line's compose file passes on unchanged)."""
    from installer.answer_checks import admin_password
    from installer.answers import password_problem

    if old is None:
        return (f"{session.env_file} has no admin password, so cht-install cannot sign in "
                "to change it. Run `sudo cht-install` first")
    if new == old:
        return "the new password is the one CHT has already"
    problem = admin_password(new) if new else "at least 8 characters"
    problem = problem or password_problem(new, session.config.line)
    return f"that password cannot be used: {problem.replace(', or null', '')}" if problem \
        else None


def not_ready(session: Session, old: str) -> str | None:
    """Why the change cannot begin (CHT does not answer, or the password in .env does not
    sign in), with what to do; None when it can. Nothing is written before this."""
    ctx = session.context(session.real)
    works = signs_in(ctx, old)
    if works:
        return None
    if works is None:
        return ("CHT does not answer over HTTPS, so the password cannot be changed now. Run "
                "`sudo cht-install` to repair CHT first (`sudo cht-install doctor` says what "
                "is wrong), then run `sudo cht-install password` again")
    return (f"the password in {session.env_file} does not sign in as "
            f"{session.line.admin_user}, so cht-install cannot change it. Put the password "
            f"that works in {session.env_file} ({session.line.password_key}=...) and run "
            "`sudo cht-install password` again; `sudo cht-install doctor` says more")
