"""The `cht-install migrate` command: its checks before any change, its plan, the
migration's steps under the run lock (3.x started again after a failure once it was
stopped), --back and --finish, and its words at the end."""

from __future__ import annotations

import argparse
import importlib
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from installer import answers, background
from installer.answer_checks import CHT_VERSION, LATEST
from installer.arguments import command_parser
from installer.backup import backup_dir
from installer.backup_command import make_backup
from installer.disk import free_bytes, human, same_disk, used_bytes
from installer.events import Emit, Event, Log, RunFinished
from installer.host import Host, PlanHost
from installer.journal import Journal, RunLock
from installer.lines.current import releases
from installer.lines.current.steps import ServicesRunning, data_dir, release_key
from installer.lines.current.upgrade import running_version
from installer.migration import back, note
from installer.migration import site as old_site
from installer.migration import steps as ms
from installer.report import PlainLines, plan_text
from installer.runner import Runner
from installer.session import Options, Session, pin_latest
from installer.step import Context, Status, Step, StepError

FIRST_ALLOWED = "4.2.0"  # cht-docs: 4.0.0-4.1.1 fail after a migration (cht-core #8040)
ROOM = 2 * 1000**3  # beside the copy, on Docker's disk: the new release's images, growth
MARGIN = 100 * 1000**2  # beside the copy on a disk of its own: CouchDB's first writes
DOCKER_ROOT = Path("/var/lib/docker")
RUN_AGAIN = "sudo cht-install migrate"


def say(line: str) -> None:
    print(line, flush=True)


def refuse(why: str) -> int:
    print(f"cht-install migrate: {why}. Nothing was changed.", file=sys.stderr)
    return 2


def migrate_parser() -> argparse.ArgumentParser:
    p = command_parser(
        "migrate",
        "Move a CHT 3.x (medic-os) site onto CHT's current line, CHT's migration guide's "
        "way, with its data, password, CouchDB secret and uuid (so phones keep their data "
        "and sessions) and certificate. Before anything changes: a backup, the new images, "
        "and the new release's views indexed while 3.x serves. 3.x's data is only read, "
        "and kept; until --finish, --back returns to 3.x as it was.")
    p.add_argument("--to", metavar="VERSION", help="the release to move to (e.g. "
                   f"{releases.supported_release()}, or latest: the newest on CHT's build "
                   "server); latest when not given")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument("--back", action="store_true", help="return to the 3.x site as it was "
                   "(until --finish)")
    p.add_argument("--finish", action="store_true", help="once the new site works for you: "
                   "remove what is left of 3.x's containers (its data volume and the backup "
                   "are kept)")
    return p


def migrate_command(argv: list[str]) -> int:
    args = migrate_parser().parse_args(argv)
    session = Session(Options(root=args.root))
    if not session.paths.answers.exists():
        return refuse("cht-install has not installed CHT on this server (it has no saved "
                      f"answers in {session.paths.answers})")
    kept = note.read(session.real.read_text(session.paths.migration_note))
    if args.back or args.finish:
        return way_out(session, kept, args.back, args.dry_run)
    if kept is not None and kept.phase == note.MIGRATED:
        say(f"CHT 3.x was migrated to CHT {kept.new} here. Once it works for you, run "
            f"`{RUN_AGAIN} --finish` (removes what is left of 3.x's containers); until then "
            f"`{RUN_AGAIN} --back` returns to 3.x as it was.")
        return 0
    if kept is not None and kept.phase == note.STARTED:
        if args.to not in (None, LATEST, kept.new):
            return refuse(f"a migration to CHT {kept.new} was started here; run "
                          f"`{RUN_AGAIN}` to finish it, or `{RUN_AGAIN} --back` first")
        say(f"A migration to CHT {kept.new} was started here: going on with it.")
        wanted = kept
    else:
        found = checked(session, args.to)
        if isinstance(found, int):
            return found
        wanted = found
    new = for_release(session, wanted.new)
    if args.dry_run:
        say(f"cht-install migrate: the plan from CHT {wanted.old} to {wanted.new} (nothing is "
            "changed)")
        ctx = context(new, wanted, PlanHost(new.real))
        say(plan_text(new.platform, Runner(steps(new, None), ctx).plan(), config=new.config))
        return 0
    if not args.yes and sys.stdin.isatty() and sys.stdout.isatty():
        return int(importlib.import_module("screens.migrate").run_tui(new, wanted))
    holder = new.running()
    if holder is not None and kept is not None and kept.phase == note.STARTED:
        say(f"The migration runs already (pid {holder.pid}, started on the screens): "
            "following it. Ctrl-C stops following; the migration goes on.")
        new.attach(holder)
        followed = new.follow([PlainLines(say, summary=False)])
        if followed is None:
            say(f"The migration ended without an outcome (it was killed). Run `{RUN_AGAIN}` "
                "again: it goes on from where it stopped.")
            return 1
        return ending(new, followed)
    blocked = blockers(new, wanted)
    if blocked:
        for line in blocked:
            print(line, file=sys.stderr)
        return refuse("the migration cannot start until what is said above is fixed (3.x "
                      "serves on)")
    old = Session(Options(root=args.root))
    result = apply(new, wanted, lambda: make_backup(old, lambda event: None).file,
                   [PlainLines(say, summary=False)])
    return ending(new, result)


def blockers(session: Session, migration: note.Migration) -> list[str]:
    """What the plan says would stop the migration (each with its fix), before anything
    changes: better refused now than stopped with 3.x down."""
    planned = Runner(steps(session, None), context(session, migration,
                                                   PlanHost(session.real))).plan()
    return [f"{item.title}: {item.finding.reason}\n  fix: {item.finding.fix}"
            for item in planned if item.finding.status is Status.BLOCKED]


def checked(session: Session, version: str | None) -> note.Migration | int:
    """The migration asked for, or the exit code of its refusal (nothing changed)."""
    if session.line.id != "3.x":
        return refuse("this server runs CHT's current line already; to move to a newer "
                      "release, run `sudo cht-install upgrade VERSION`")
    if not version or version == LATEST:
        version = pin_latest(replace(session.config, cht_version=LATEST),
                             session.real).version
    if not CHT_VERSION.match(version):
        return refuse(f"{version!r} is not a CHT release number (such as "
                      f"{releases.supported_release()})")
    if release_key(version) < release_key(FIRST_ALLOWED):
        return refuse(f"CHT {version} cannot take a 3.x site: CHT's migration guide warns that "
                      "4.0.0 to 4.1.1 fail after a migration (\"Cannot convert undefined or "
                      f"null to object\", fixed in 4.2.0). Choose {FIRST_ALLOWED} or later, "
                      f"e.g. `{RUN_AGAIN} --to {releases.supported_release()}`")
    ctx = session.context(PlanHost(session.real))
    old = running_version(ctx)
    if old is None:
        return refuse("CHT 3.x does not answer over HTTPS here; the migration needs it "
                      "serving (to index the new views and read its settings). Run `sudo "
                      "cht-install` to repair it first (`sudo cht-install doctor` says what "
                      "is wrong)")
    source = old_site.old_source(ctx)
    if source is None or not source.is_dir():
        return refuse("CHT 3.x's CouchDB data folder (medic-os's /srv/"
                      f"{old_site.MEDIC_OS_DATA}) was not found on this server")
    migration = note.Migration(old=old, new=version, source=str(source),
                               answers=session.real.read_text(session.paths.answers) or "")
    why = space_refusal(for_release(Session(Options(root=session.options.root)), version),
                        source)
    return refuse(why) if why else migration


def space_refusal(new: Session, source: Path) -> str | None:
    """Why the disk for the new CouchDB's data cannot take a whole copy of 3.x's."""
    target = data_dir(new.context(PlanHost(new.real)))
    used = used_bytes(source)
    free = free_bytes(target)
    need = used + (ROOM if same_disk(target, DOCKER_ROOT) else MARGIN)
    new.real.log(f"migrate: 3.x's CouchDB data uses {used} bytes; {free} free at {target}")
    if free is None or free >= need:
        return None
    return (f"the disk for the new CouchDB's data ({target}) has {human(free)} free; a copy "
            f"of 3.x's {human(used)} of data and room to start need {human(need)}. "
            "Free space there or give the disk more, then run the migration again")


def new_data(config: answers.InstallConfig) -> str:
    """The answers' `data` for the current line: CHT's layout when 3.x's data is Docker's
    volume; beside 3.x's folder when it is a folder (3.x's is only read)."""
    if config.data == "volume":
        return "volume"
    return str(Path(config.data).with_name(Path(config.data).name + "-couchdb"))


def for_release(session: Session, new: str) -> Session:
    """The session with the answers naming the new release (the saved ones switch at the
    end)."""
    config = session.config
    switched = config.cht_version == new  # a run cut short after the answers were saved
    data = config.data if switched else new_data(config)
    session.config = answers.validate(replace(config, cht_version=new, data=data))
    return session


def context(session: Session, migration: note.Migration, host: Host) -> Context:
    ctx = session.context(host)
    ctx.facts.migration = migration
    return ctx


def steps(session: Session, backup: Callable[[], Path] | None) -> list[Step]:
    """The guide's order: everything that can be done while 3.x serves first."""
    install = [step for step in session.line.steps() if step.id != "cht.no-other-line"]
    cut = next(i for i, step in enumerate(install) if step.id == ServicesRunning.id)
    return [ms.MigrationKept(), ms.BackupMade(backup), ms.ToolPulled(), ms.ViewsIndexed(),
            ms.SiteRead(), ms.EnvWritten(), *install[:cut], ms.OldStopped(), ms.DataCopied(),
            ms.CouchdbMoved(), *install[cut:], ms.SiteProven(), ms.MigrationDone()]


def apply(session: Session, migration: note.Migration, backup: Callable[[], Path],
          sinks: list[Emit], run_id: str | None = None,
          should_stop: Callable[[], bool] = lambda: False) -> RunFinished:
    """Migrate under the run lock, journaled. A step that fails once 3.x was stopped
    starts 3.x again (as it was: answers, restart policies); a re-run goes on. The run's
    end is told last, after 3.x is back: a follower stops reading there."""
    run_id = run_id or uuid.uuid4().hex[:12]
    with RunLock(session.paths.lock, run_id):
        journal = Journal(session.paths.journal, run_id, session.real.redact)
        held = Held([journal.record, *sinks])
        ctx = context(session, migration, session.real)
        ctx.host.log(f"migrate from CHT {migration.old} to {migration.new} started")
        result = Runner(steps(session, backup), ctx, [held]).run(
            accept_warnings=True, should_stop=should_stop)
        ctx.host.log(f"migrate finished: ok={result.ok} failed={result.failed}")
        if not result.ok and not result.stopped and ctx.facts.migration is not None and \
                ctx.facts.migration.restart:
            held(Log("", "CHT 3.x is started again, as it was ..."))
            try:
                back.back(ctx, migration.old, repair_3x(session.options.root, [held]))
            except StepError as exc:
                held(Log("", f"{exc.reason}. {exc.fix}"))
        held.release(result)
        return result


class Held:
    """Events passed on, but the run's end (and the ends of 3.x's own steps run on the way
    back) only when ``release`` is called."""

    def __init__(self, sinks: list[Emit]) -> None:
        self.sinks = sinks

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            for sink in self.sinks:
                sink(event)

    def release(self, end: RunFinished) -> None:
        for sink in self.sinks:
            sink(end)


def start_detached(session: Session, migration: note.Migration) -> background.Run:
    """The migration in a worker of its own (`installer.worker`): a dropped SSH link ends
    only the screens following it."""
    session.current = background.start(session.paths, {
        "task": "migrate", "root": str(session.options.root),
        "migration": note.text(migration)})
    return session.current


def in_worker(root: Path, migration: note.Migration, run_id: str, sinks: list[Emit],
              should_stop: Callable[[], bool]) -> RunFinished:
    """The worker's side of `start_detached`: on a retry, from where the note says the
    migration is (as a re-run of the command goes on)."""
    old = Session(Options(root=root))
    kept = note.read(old.real.read_text(old.paths.migration_note))
    if kept is not None and kept.phase == note.STARTED and kept.new == migration.new:
        migration = kept
    new = for_release(Session(Options(root=root)), migration.new)
    return apply(new, migration, lambda: make_backup(old, lambda event: None).file, sinks,
                 run_id, should_stop)


def repair_3x(root: Path, sinks: list[Emit]) -> Callable[[], bool]:
    """3.x's own install steps on the answers put back (its containers made again on its
    data, when they are gone); whether they ended well."""
    def repair() -> bool:
        old = Session(Options(root=root))
        return Runner(old.line.steps(), old.context(old.real), sinks).run(
            accept_warnings=True).ok
    return repair


def ending(session: Session, result: RunFinished) -> int:
    for line in ending_lines(session, result):
        say(line)
    return 0 if result.ok else 1


def ending_lines(session: Session, result: RunFinished) -> list[str]:
    """The migration's end in words: what serves now, and the ways on (or back)."""
    kept = note.read(session.real.read_text(session.paths.migration_note))
    if result.ok and kept is not None:
        return [
            f"CHT {kept.new} serves the 3.x site at {session.url()}: its data (every "
            "database's documents counted), medic's password, CouchDB's secret and uuid, and "
            "the certificate. The saved answers name it (doctor, backups and alerts follow).",
            f"CHT 3.x's data is kept as it was. Once the new site works for you, run "
            f"`{RUN_AGAIN} --finish`; until then `{RUN_AGAIN} --back` returns to 3.x as it "
            "was.",
            "The backup made before the migration is kept in "
            f"{backup_dir(session.config.backup.dir, session.paths.root)}."]
    serving = running_version(session.context(PlanHost(session.real)))
    now = f"{'CHT ' + serving if serving else 'nothing'} answers over HTTPS now"
    if result.stopped:
        line = (f"Stopped, as asked; {now}. Run `{RUN_AGAIN}` again to go on with the "
                f"migration, or `{RUN_AGAIN} --back` to return to 3.x.")
    else:
        line = (f"The migration is not finished; {now}. Fix what is said above, then run "
                f"`{RUN_AGAIN}` again (it goes on from where it stopped), or `{RUN_AGAIN} "
                "--back` to stay on 3.x.")
    return [line, f"See the log: {session.paths.log}"]


def way_out(session: Session, kept: note.Migration | None, going_back: bool,
            dry_run: bool) -> int:
    """--back or --finish."""
    if kept is None or kept.phase in (note.BACK, note.FINISHED):
        return refuse("no migration is under way here" if kept is None or
                      kept.phase == note.BACK else "the migration was finished (3.x's "
                      "containers are removed); to go back, restore the backup made before "
                      f"it (`sudo cht-install restore FILE`; it is in {kept.backup})")
    if not going_back and kept.phase != note.MIGRATED:
        return refuse(f"the migration to CHT {kept.new} is not done yet; run `{RUN_AGAIN}` "
                      f"to finish it (or `{RUN_AGAIN} --back`)")
    if dry_run:
        say("cht-install migrate: the plan (nothing is changed)")
        say(f"- remove CHT {kept.new}'s containers, put back 3.x's answers and start medic-os "
            "and haproxy (the new data folder and .env are kept)" if going_back else
            "- remove the stopped medic-os and haproxy containers (the medic-data volume "
            "and the backup are kept)")
        return 0
    new = for_release(session, kept.new)
    with RunLock(new.paths.lock):
        ctx = context(new, kept, new.real)
        try:
            if going_back:
                sinks: list[Emit] = [PlainLines(say, summary=False)]
                back.back(ctx, kept.old, repair_3x(new.options.root, sinks), note.BACK)
                say(f"CHT {kept.old} serves again at {new.url()}, with its data as it was "
                    "when the migration stopped it; the saved answers are 3.x's again.")
                say(f"The copy made for CHT {kept.new} is kept in {data_dir(ctx)} (a new "
                    "migration makes it anew; delete it to free the space).")
                return 0
            if running_version(ctx) != kept.new:
                return refuse(f"CHT {kept.new} does not answer over HTTPS here; run `sudo "
                              "cht-install` to repair it before removing 3.x")
            removed = back.finish(ctx)
        except StepError as exc:
            say(f"{exc.reason}. {exc.fix}")
            return 1
    say(f"Removed 3.x's stopped {' and '.join(removed)}." if removed else
        "3.x's containers were removed already (CHT's upgrade service removes the containers "
        "of its compose project, cht, which cht-install's 3.x shared).")
    say("Kept: 3.x's data volume (medic-data) and the backup made before the migration; "
        "once you no longer need them, `sudo docker volume rm medic-data` frees the space.")
    return 0
