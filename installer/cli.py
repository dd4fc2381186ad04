"""Command line: the headless front end (--yes, --dry-run) and the door to the TUI.

The TUI lives in ``screens``; it is loaded by name only when a terminal run asks for it,
so that nothing under installer/ depends on Textual.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from installer.arguments import WordsParser, command_parser
from installer.options import Options

if TYPE_CHECKING:  # the engine is imported where a command needs it: the screens' first
    # frame is drawn without it
    from installer.answer_entry import Answer
    from installer.session import Session


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("cht-install")
    except PackageNotFoundError:
        return "(not installed)"


class VersionAction(argparse.Action):
    """--version, asked of the package's metadata only when given: reading it (importlib's
    metadata) took 25 ms of every command's start."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS,
                 help: str = "show program's version number and exit") -> None:  # noqa: A002
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"cht-install {version()}")
        parser.exit()


# --help's order of the answers' flags: the ones most asked for first.
HELP_ORDER = ("hostname", "cht_version", "builds_url", "upgrade_service_url", "registry",
              "http_port", "https_port", "accept_warnings", "allow_unsupported",
              "docker.source", "docker.repo_url", "docker.key_fingerprint",
              "docker.group_user", "tls.mode", "tls.certificate", "tls.chain", "tls.key",
              "tls.trust_store", "tls.email", "tls.acme_directory", "backup.dir",
              "backup.schedule", "backup.keep", "alerts.webhook", "alerts.email",
              "alerts.ping_url", "alerts.every_minutes", "updates.automatic", "logs.max_mb",
              "docker.lock_timeout")
COMMANDS = """commands:
  cht-install doctor [--json]       check everything and report; change nothing
  cht-install renew-cert [--force]  renew the Let's Encrypt certificate (the timer runs it)
  cht-install repair [options]      the same as running cht-install again: a re-run repairs
  cht-install backup                back up CHT's data, secrets and answers now
  cht-install password              change the admin (medic) password everywhere at once
  cht-install upgrade VERSION       upgrade CHT 4.x/5.x to a newer release, CHT's own way
  cht-install migrate [--to VERSION] move CHT 3.x onto 4.x/5.x, its data kept
  cht-install restore FILE          put a backup back (here, or on a new server)
  cht-install health-check          check, and alert when CHT breaks or recovers (scheduled)
  cht-install alert-test            send a test alert to alerts.webhook / alerts.email

Each command has its own --help."""


def parser() -> argparse.ArgumentParser:
    p = WordsParser(
        prog="cht-install",
        description="Install or repair a Community Health Toolkit (CHT) server. With no "
                    "options on a terminal it opens the installer's screens; run it again "
                    "at any time and it repairs only what is wrong.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--yes", action="store_true", help="run with no questions (headless)")
    p.add_argument("--answers", type=Path, metavar="FILE", help="answers file (YAML)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument("--json", action="store_true", help="with --dry-run: one JSON object")
    p.add_argument("--os-release", type=Path, metavar="FILE",
                   help="plan for a fresh machine of the OS described by FILE")
    p.add_argument("--arch", help="with --os-release: the machine's architecture")
    from installer.answers import ANSWERS, STAGING

    for answer in sorted(ANSWERS, key=help_rank):  # each answer's flag, as declared
        if answer.switch:
            p.add_argument(answer.flag, action="store_true", default=None, help=answer.help)
        elif answer.flag:
            p.add_argument(answer.flag, help=answer.help, metavar=answer.metavar,
                           choices=answer.choices, type=answer.type or str)
        if answer.key == STAGING[2]:
            p.add_argument(STAGING[0], action="store_true", help=STAGING[1])
    p.add_argument("--root", type=Path, default=Path("/"),
                   help="prefix for every file the installer writes (tests)")
    return p


def help_rank(answer: Answer) -> int:
    """Where an answer's flag is in --help: the most asked for first (HELP_ORDER), any
    other after them in the answers file's order."""
    return HELP_ORDER.index(answer.key) if answer.key in HELP_ORDER else len(HELP_ORDER)


def options_from(args: argparse.Namespace) -> Options:
    from installer.answers import overrides_from

    return Options(
        root=args.root,
        answers_file=args.answers,
        os_release=args.os_release,
        arch=args.arch,
        overrides=overrides_from(vars(args)),
    )


def say(line: str) -> None:
    print(line, flush=True)


def dry_run(session: Session, as_json: bool) -> int:
    from installer.report import plan_json, plan_text
    from installer.step import Status

    planned = session.plan()
    note = session.hostname_note()
    say(plan_json(session.platform, planned, note, session.config) if as_json
        else plan_text(session.platform, planned, note, session.config))
    return 1 if any(step.finding.status is Status.BLOCKED for step in planned) else 0


def headless(session: Session) -> int:
    """Run (or follow the run already in progress) with plain lines; Ctrl-C asks first and
    stops only between steps; a lost terminal leaves the run going."""
    from installer.report import PlainLines

    holder = session.running()
    if holder is not None:
        say(f"cht-install is already running (pid {holder.pid}): following it. Ctrl-C stops "
            "following; the run goes on.")
        session.attach(holder)
    else:
        last = session.last_outcome(looking="this run checks every step again now")
        if last:
            say(last)
        say(f"cht-install: {session.platform.name} ({session.platform.arch}), "
            f"host name {session.config.hostname}")
        newest = " (the newest on CHT's build server)" if session.asked_latest else ""
        say(f"Release: {session.line.name} {session.config.version}{newest}")
        if session.followed:
            say(f"CHT {session.followed[1]} runs here: it was upgraded since the answers said "
                f"{session.followed[0]} (from CHT's admin app). The answers now say "
                f"{session.followed[1]}; cht-install never goes back to an older release.")
        say(session.line.notice)
        unreachable, note = session.hostname_note()
        if note:
            say(("Warning: " if unreachable else "Host name: ") + note)
        session.start_detached()
    lines = PlainLines(say, repair=session.had_cht, titles=session.step_titles())
    while True:
        try:
            result = session.follow([lines])
            break
        except KeyboardInterrupt:
            if holder is not None or not confirm_stop():
                if holder is not None:
                    say("Stopped following; the run goes on. Run cht-install again to follow it.")
                    return 130
                continue
            session.request_stop()
            say("Stopping after the current step (a step is never cut short) ...")
    if result is None:
        say("The run ended without an outcome (it was killed). Run cht-install again: "
            "it goes on from where it stopped.")
        return 1
    if not result.ok:
        say(f"See the log: {session.paths.log}")
        return 1
    say(f"CHT answers at {session.url()} (user: medic; password in {session.env_file})")
    say(f"Next: open {session.url()} in a browser, log in as medic (the password: "
        f"sudo grep {session.line.password_key} {session.env_file}), then follow "
        "CHT's guides: https://docs.communityhealthtoolkit.org/")
    return 0


def confirm_stop() -> bool:
    """Ask before stopping; without a terminal to ask on, Ctrl-C means stop."""
    if not sys.stdin.isatty():
        return True
    try:
        answer = input("\nStop the install? It stops safely after the current step. [y/N] ")
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes")


def renew_parser() -> argparse.ArgumentParser:
    p = command_parser("renew-cert", "Renew the Let's Encrypt certificate when under 30 days "
                                     "are left (the timer or cron runs this twice a day).")
    p.add_argument("--force", action="store_true", help="renew now, whatever is left")
    return p


def renew_cert(argv: list[str]) -> int:
    from installer.report import PlainLines
    from installer.session import Session

    args = renew_parser().parse_args(argv)
    session = Session(Options(root=args.root))
    if session.config.tls.mode != "letsencrypt":
        say(f"Nothing to renew: tls.mode is {session.config.tls.mode}.")
        return 0
    result = session.renew_certificate(args.force, [PlainLines(say)])
    return 0 if result.ok else 1


def backup_command(argv: list[str]) -> int:
    from installer.backup_command import describe, make_backup
    from installer.report import PlainLines
    from installer.session import Session

    p = command_parser(
        "backup",
        "Back up CHT's data, the secrets in .env, the answers and the certificate into one "
        "checksummed archive in backup.dir (default /var/backups/cht), then keep only the "
        "newest backup.keep of them.")
    p.add_argument("--scheduled", action="store_true",
                   help="as the nightly job: only when backup.dir is set")
    args = p.parse_args(argv)
    session = Session(Options(root=args.root))
    if args.scheduled and not session.config.backup.dir:
        say("No scheduled backups: backup.dir is not set in the answers.")
        return 0
    made = make_backup(session, PlainLines(say))
    for line in describe(made, session):
        say(line)
    return 0


def restore_command(argv: list[str]) -> int:
    from installer.report import PlainLines
    from installer.restore import restore
    from installer.session import Session

    p = command_parser(
        "restore",
        "Put a backup made by `cht-install backup` back: on this server, or on a new one (it "
        "installs CHT with the backup's answers and secrets first). The backup is checked to "
        "its last byte before anything changes; what it replaces is kept.")
    p.add_argument("file", type=Path, help="a cht-backup-*.tar.gz")
    p.add_argument("--replace-data", action="store_true",
                   help="replace the CHT data this server has (kept beside it, renamed)")
    args = p.parse_args(argv)
    # --yes asks nothing: over live data, only --replace-data replaces it.
    replace = args.replace_data or (not args.yes and confirm_replace(args.root, args.file))
    ok = restore(Options(root=args.root), args.file.absolute(), replace, PlainLines(say), say)
    if not ok:
        say("The data is back, but CHT is not healthy yet: see the lines above. Run "
            "cht-install again once it is fixed.")
        return 1
    session = Session(Options(root=args.root))
    say(f"Restored. CHT answers at {session.url()} (user medic; the password is the one the "
        f"backup had: sudo grep {session.line.password_key} {session.env_file}).")
    return 0


def health_check_command(argv: list[str]) -> int:
    from installer.health_check import check
    from installer.session import Session

    p = command_parser(
        "health-check",
        "Check CHT as doctor does; alert alerts.webhook / alerts.email when it breaks and "
        "when it recovers (and daily while it stays broken); ping alerts.ping_url. The "
        "schedule runs this every alerts.every_minutes.")
    args = p.parse_args(argv)
    return 0 if check(Session(Options(root=args.root)), say) else 1


def alert_test_command(argv: list[str]) -> int:
    from installer.health_check import test_alert
    from installer.session import Session

    args = command_parser("alert-test", "Send a test alert to every receiver set up.").parse_args(
        argv)
    return 0 if test_alert(Session(Options(root=args.root)), say) else 1


def password_parser() -> argparse.ArgumentParser:
    p = command_parser(
        "password",
        "Change the admin (medic) password in CouchDB and in .env together, start again "
        "the services that sign in with it, and prove it over HTTPS. Asked twice without "
        "echo on a terminal; headless, the first line of --from-file or of the input. A "
        "change cut short is finished by running this again.")
    p.add_argument("--from-file", type=Path, metavar="FILE",
                   help="read the new password from the first line of FILE (- for the "
                        "input); never give it as an argument")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    return p


def new_password_from(args: argparse.Namespace) -> str | None:
    """The new password: from --from-file, else asked twice on a terminal, else the first
    line of the input; None when the two typed differ or nothing was given."""
    import getpass

    if args.from_file is not None:
        text = sys.stdin.read() if str(args.from_file) == "-" else args.from_file.read_text()
        return (text.splitlines() or [""])[0]
    if sys.stdin.isatty():
        first = getpass.getpass("New admin password for medic: ")
        second = getpass.getpass("The same again: ")
        return first if first == second else None
    return (sys.stdin.readline() or "").rstrip("\r\n")


def password_command(argv: list[str]) -> int:
    from installer import password_change as change
    from installer.lines import password_in
    from installer.report import PlainLines, plan_text
    from installer.session import Session

    args = password_parser().parse_args(argv)
    session = Session(Options(root=args.root))
    old = password_in(session.real.read_text(session.env_file), session.line)
    pending = change.pending_change(session)
    if pending is not None:
        say("A password change was cut short (the power, or the command stopped): "
            "finishing it with the password given then.")
        wanted = pending
    elif args.dry_run and args.from_file is None:
        wanted = change.Change(old or "", f"planned-{os.urandom(8).hex()}")
    else:
        try:
            new = new_password_from(args)
        except OSError as exc:
            print(f"cht-install password: {args.from_file} cannot be read: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 2
        if new is None:
            print("cht-install password: the two passwords differ; nothing was changed. "
                  "Run it again.", file=sys.stderr)
            return 2
        if new == old and change.signs_in(session.context(session.real), new):
            say(f"{session.line.admin_user} already signs in over HTTPS with that password: "
                "nothing was changed.")
            return 0
        why = change.refused(session, new, old) or (
            None if args.dry_run else change.not_ready(session, old or ""))
        if why:
            print(f"cht-install password: {why}. Nothing was changed.", file=sys.stderr)
            return 2
        wanted = change.Change(old or "", new)
    if args.dry_run:
        planned = change.plan(session, wanted)
        say("cht-install password: the plan (nothing is changed, and the password is not "
            "shown)")
        say(plan_text(session.platform, planned, config=session.config))
        say("then: prove that medic signs in over HTTPS with the new password")
        return 0
    result = change.apply(session, wanted, [PlainLines(say, summary=False)])
    if result.ok:
        say(f"The admin password is changed: {session.line.admin_user} signs in over HTTPS "
            f"with it, and {session.env_file} has it (sudo grep "
            f"{session.line.password_key} {session.env_file}).")
        return 0
    if result.stopped:
        say("Stopped. Run `sudo cht-install password` again to finish the change.")
    elif change.pending_change(session) is None:
        say("The password was not changed: the old one still works.")
    else:
        say("The change is not finished. Run `sudo cht-install password` again: it goes "
            "on from where it stopped.")
    say(f"See the log: {session.paths.log}")
    return 1


def confirm_replace(root: Path, file: Path) -> bool:
    """On a terminal, ask before a restore replaces live data (headless: --replace-data)."""
    from installer.host import PlanHost
    from installer.restore import has_data
    from installer.session import Session

    if not sys.stdin.isatty():
        return False
    session = Session(Options(root=root))
    live = has_data(session.context(PlanHost(session.real)))
    if live is None:
        return False
    try:
        answer = input(f"This server has CHT data in {live}. Restoring {file.name} replaces "
                       "it (the current data is kept beside it, renamed). Type 'replace' to "
                       "go on: ")
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() == "replace"


def doctor(argv: list[str]) -> int:
    from installer.report import doctor_text
    from installer.session import Session

    p = command_parser("doctor", "Check every step and report; change nothing.")
    p.add_argument("--json", action="store_true", help="one JSON object")
    args = p.parse_args(argv)
    session = Session(Options(root=args.root))
    if not args.json and not args.yes and sys.stdin.isatty() and sys.stdout.isatty():
        return int(importlib.import_module("screens.app").run_tui(session, first="doctor"))
    report = session.doctor()
    say(json.dumps(report, indent=2) if args.json else doctor_text(report))
    return 0 if report["healthy"] else 1


def upgrade_command(argv: list[str]) -> int:
    from installer.upgrade_command import upgrade_command as command

    return command(argv)


def migrate_command(argv: list[str]) -> int:
    from installer.migrate_command import migrate_command as command

    return command(argv)


CARE_COMMANDS = {"backup": backup_command, "restore": restore_command,
                 "password": password_command, "upgrade": upgrade_command,
                 "migrate": migrate_command,
                 "health-check": health_check_command, "alert-test": alert_test_command}


def not_root(argv: list[str]) -> bool:
    """As a user (not root) on the real system: say exactly how to run it with sudo."""
    if os.geteuid() == 0 or "--dry-run" in argv or \
            any(a in ("-h", "--help", "--version") for a in argv):
        return False
    print(sudo_advice(argv), file=sys.stderr)
    return True


SYSTEM_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def with_system_path(path: str) -> str:
    """PATH with the system's sbin folders: cron starts jobs with /usr/bin:/bin only, where
    dockerd, cron and sshd are not found."""
    parts = [part for part in path.split(":") if part]
    return ":".join([*parts, *(p for p in SYSTEM_PATH if p not in parts)])


def main(argv: list[str] | None = None) -> int:
    """The command, with its output's reader gone (`cht-install ... | head`) a quiet end."""
    os.environ["PATH"] = with_system_path(os.environ.get("PATH", ""))
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:
        # Python would complain again when flushing at exit: point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    finally:
        gc.enable()  # (off until the first screen was drawn: screens_later)


def sudo_advice(argv: list[str]) -> str:
    return ("cht-install has to run as root (it installs Docker, writes /etc and /opt).\n"
            "Run it again with sudo (it may ask for your password):\n\n"
            f"    sudo {shlex.join(['cht-install', *argv])}\n")


def screens_later(options: Options) -> int:
    """The screens, the session made while the welcome screen shows. Python's collector
    waits until that screen is drawn: Textual's import makes many objects and frees few,
    and walking them again and again was a sixth of the time to the first frame."""
    gc.disable()  # the app turns it on again (screens/app.py)
    return int(importlib.import_module("screens.app").run_tui_later(options))


def run(argv: list[str]) -> int:
    if argv[:1] == ["repair"]:
        argv = argv[1:]  # a plain run repairs: probe everything, apply what is wrong
    if not_root(argv):
        return 2
    if not argv and sys.stdin.isatty() and sys.stdout.isatty():
        # The operator's command: the welcome screen first, before the answers' flags (and
        # the engine) are even imported.
        return screens_later(Options())
    gc.disable()  # (the flags' imports come before screens too: screens_later's note)
    from installer.answers import AnswersError
    from installer.journal import AlreadyRunning

    gc.enable()
    if argv[:1] == ["doctor"]:
        try:
            return doctor(argv[1:])
        except AnswersError as exc:
            print(f"cht-install doctor: {exc}", file=sys.stderr)
            return 2
    if argv[:1] and argv[0] in CARE_COMMANDS:
        from installer.backup import BackupError

        try:
            return CARE_COMMANDS[argv[0]](argv[1:])
        except (AnswersError, AlreadyRunning, BackupError) as exc:
            print(f"cht-install {argv[0]}: {exc}", file=sys.stderr)
            if isinstance(exc, BackupError) and exc.fix:
                print(f"Nothing was changed. {exc.fix}" if exc.untouched and argv[0] != "backup"
                      else exc.fix, file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"\ncht-install {argv[0]}: interrupted (Ctrl-C). Run it again to check "
                  "where it stopped.", file=sys.stderr)
            return 130
    if argv[:1] == ["renew-cert"]:
        try:
            return renew_cert(argv[1:])
        except (AnswersError, AlreadyRunning) as exc:
            print(f"cht-install renew-cert: {exc}", file=sys.stderr)
            return 2
    args = parser().parse_args(argv)
    screens = not (args.dry_run or args.yes)
    if screens and (not sys.stdin.isatty() or not sys.stdout.isatty()):
        print("cht-install: no terminal; run with --yes (and --answers FILE) instead",
              file=sys.stderr)
        return 2
    try:
        if screens:  # the welcome screen first; the session is made while it shows
            return screens_later(options_from(args))
        from installer.session import Session

        session = Session(options_from(args))
        session.pin_latest()  # the TUI asks when its settings are done
        return dry_run(session, args.json) if args.dry_run else headless(session)
    except AnswersError as exc:
        if exc.unreadable and os.geteuid() != 0:
            print(f"cht-install cannot read {exc.field} as this user.\n" + sudo_advice(argv),
                  file=sys.stderr)
            return 2
        print(f"cht-install: bad answer: {exc}", file=sys.stderr)
        return 2
    except AlreadyRunning as exc:
        print(f"cht-install: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("cht-install: interrupted", file=sys.stderr)
        return 130

if __name__ == "__main__":
    sys.exit(main())
