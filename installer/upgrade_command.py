"""The `cht-install upgrade` command: its checks before any change, its plan, the upgrade's
steps run under the run lock (and what follows a failure), and its words at the end."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from installer import answers
from installer.answer_checks import CHT_VERSION, LATEST
from installer.arguments import command_parser
from installer.backup import backup_dir
from installer.backup_command import make_backup
from installer.events import Emit, RunFinished
from installer.host import PlanHost
from installer.journal import Journal, RunLock
from installer.lines.current import releases
from installer.lines.current import upgrade as up
from installer.report import PlainLines, plan_text
from installer.runner import PlannedStep, Runner
from installer.session import Options, Session, pin_latest
from installer.step import Context


def say(line: str) -> None:
    print(line, flush=True)


def refuse(why: str) -> int:
    print(f"cht-install upgrade: {why}. Nothing was changed.", file=sys.stderr)
    return 2


def upgrade_parser() -> argparse.ArgumentParser:
    p = command_parser(
        "upgrade",
        "Upgrade CHT (4.x/5.x) to a newer release, CHT's own way: CHT's API stages it and "
        "indexes its views while the old release serves, then the upgrade service switches. "
        "Before anything changes: the version path, free disk, the new images pulled and a "
        "backup. A run cut short is finished by running this again.")
    p.add_argument("version", nargs="?", metavar="VERSION",
                   help=f"the release to upgrade to (e.g. {releases.supported_release()}), "
                        "or latest (the newest on CHT's build server)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    return p


def upgrade_command(argv: list[str]) -> int:
    args = upgrade_parser().parse_args(argv)
    session = Session(Options(root=args.root))
    if not session.paths.answers.exists():
        return refuse("cht-install has not installed CHT on this server (it has no saved "
                      f"answers in {session.paths.answers}): install it first with `sudo "
                      "cht-install`")
    if session.line.upgrade_refusal:
        say(session.line.upgrade_refusal)
        return 2
    pending = pending_upgrade(session)
    if pending is not None:
        if args.version not in (None, pending.new):
            return refuse(f"an upgrade to CHT {pending.new} was cut short here; run "
                          "`sudo cht-install upgrade` to finish it first")
        say(f"An upgrade from CHT {pending.old} to {pending.new} was cut short: going on "
            "with it.")
        wanted = pending
    else:
        found = checked(session, args.version)
        if isinstance(found, int):
            return found
        wanted = found
    if args.dry_run:
        planned = plan(session, wanted)
        say(f"cht-install upgrade: the plan from CHT {wanted.old} to {wanted.new} (nothing "
            "is changed)")
        say(plan_text(session.platform, planned, config=session.config))
        return 0

    def backup() -> Path:
        return make_backup(session, lambda event: None).file

    result = apply(session, wanted, backup, [PlainLines(say, summary=False)])
    return ending(session, pending_upgrade(session) or wanted, result.ok, result.stopped)


def checked(session: Session, version: str | None) -> up.Upgrade | int:
    """The upgrade asked for, or the exit code of its refusal (nothing changed)."""
    if not version:
        return refuse("it needs the release to upgrade to, e.g. `sudo cht-install upgrade "
                      f"{releases.supported_release()}` (or latest)")
    if version == LATEST:
        version = pin_latest(replace(session.config, cht_version=LATEST), session.real).version
    if not CHT_VERSION.match(version):
        return refuse(f"{version!r} is not a CHT release number (such as "
                      f"{releases.supported_release()})")
    ctx = session.context(PlanHost(session.real))
    old = up.running_version(ctx)
    if old is None:
        return refuse("CHT does not answer over HTTPS here, so it cannot be upgraded. Run "
                      "`sudo cht-install` to repair it first (`sudo cht-install doctor` says "
                      "what is wrong)")
    if old == version:
        say(f"CHT {version} already runs here: nothing to upgrade.")
        return 0
    why = (up.path_refusal(old, version) or up.other_upgrade(ctx, version)
           or up.space_refusal(ctx))
    if why:
        return refuse(why)
    notice = releases.notice(version)
    if notice and notice[1]:
        say(f"Note: {notice[1]}; CHT {releases.supported_release()} is supported.")
    return up.Upgrade(old, version)


def ending(session: Session, wanted: up.Upgrade, ok: bool, stopped: bool) -> int:
    """The last words: what serves now, and what to do."""
    serving = up.running_version(session.context(PlanHost(session.real)))
    if ok:
        say(f"CHT {wanted.new} runs: its API says so over HTTPS at {session.url()}, and the "
            "saved answers say so (a re-run keeps it).")
        say("The backup made before the upgrade is kept in "
            f"{backup_dir(session.config.backup.dir, session.paths.root)}: keep it until you "
            "are sure the new release works for you.")
        return 0
    if stopped:
        say("Stopped. Run `sudo cht-install upgrade` again to finish the upgrade.")
    elif pending_upgrade(session) is None:
        say(f"The upgrade did not happen: CHT {serving or wanted.old} still serves"
            + (" (it answers over HTTPS)." if serving else ".")
            + " The backup and the pulled images are kept.")
    else:
        say(f"The upgrade is not finished; CHT {serving or '(not answering)'} answers now. "
            "Run `sudo cht-install upgrade` again: it goes on from where it stopped.")
    say(f"See the log: {session.paths.log}")
    return 1


def pending_upgrade(session: Session) -> up.Upgrade | None:
    """An upgrade started here and not finished (killed, the power cut)."""
    return up.pending_upgrade(session.real.read_text(session.paths.upgrade_note))


def for_release(session: Session, new: str) -> Session:
    """The session with the answers naming the new release (its kept copies; the answers
    saved at the end)."""
    session.config = answers.validate(replace(session.config, cht_version=new))
    return session


def plan(session: Session, upgrade: up.Upgrade) -> list[PlannedStep]:
    """What the upgrade would do (--dry-run); nothing is changed."""
    ctx = for_release(session, upgrade.new).context(PlanHost(session.real))
    ctx.facts.upgrade = upgrade
    return Runner(up.steps(session.line, None), ctx).plan()


def apply(session: Session, upgrade: up.Upgrade, make_backup: Callable[[], Path],
          sinks: Sequence[Emit]) -> RunFinished:
    """Upgrade under the run lock, journaled. A failure before the switch cancels the
    staging in CHT (the old release serves on, nothing else changed); a failure at the
    switch brings CHT's services up on the compose files as they are (the old release,
    or the new one finished)."""
    with RunLock(session.paths.lock):
        journal = Journal(session.paths.journal, uuid.uuid4().hex[:12], session.real.redact)
        ctx = for_release(session, upgrade.new).context(session.real)
        ctx.facts.upgrade = upgrade
        emitters = [journal.record, *sinks]
        ctx.host.log(f"upgrade from CHT {upgrade.old} to {upgrade.new} started")
        result = Runner(up.steps(session.line, make_backup), ctx, emitters).run(
            accept_warnings=True)
        ctx.host.log(f"upgrade finished: ok={result.ok} failed={result.failed}")
        if result.ok or result.stopped or ctx.facts.upgrade_stalled:
            return result
        if result.failed in up.BEFORE_SWITCH:
            up.cancel(ctx)
            return result
        return recover(session, ctx, emitters) or result


def recover(session: Session, ctx: Context, sinks: Sequence[Emit]) -> RunFinished | None:
    """After a failed switch: CHT's services brought up on the compose files as the upgrade
    service left them. When they name the new release (its images are here), that finishes
    the upgrade (its result is returned); when the old release serves, the note is removed.
    """
    Runner([up.line_step(session.line, "cht.running")], ctx, sinks).run(accept_warnings=True)
    upgrade = up.upgrade_of(ctx)
    found = up.running_version(ctx)
    ctx.host.log(f"upgrade: after the failed switch CHT {found} answers")
    if found == upgrade.new:
        return Runner([up.ReleaseSwitched(), up.UpgradeDone()], ctx, sinks).run(
            accept_warnings=True)
    if found == upgrade.old:
        up.forget(ctx)
    return None
