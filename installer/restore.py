"""`cht-install restore FILE`: a backup put back on this server or a new one (the
disaster-recovery story), keeping what it replaces."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from installer import backup
from installer.backup import BackupError
from installer.backup_command import backup_lock, progress_to
from installer.doctor_checks import data_location
from installer.events import Emit
from installer.host import PlanHost
from installer.journal import RunLock
from installer.session import Options, Session
from installer.step import Context


def has_data(ctx: Context) -> Path | None:
    """Where CHT's data is on this server, when there is some (a non-empty folder)."""
    place = data_location(ctx)
    if place is None:
        return None
    try:
        return place[1] if any(place[1].iterdir()) else None
    except OSError:
        return None


def cht_containers(ctx: Context) -> list[str]:
    """CHT's containers on this server (stopped for the data to be put back)."""
    return ctx.line.containers(ctx)


def keep_aside(path: Path, kept: Path, log: Callable[[str], None]) -> None:
    """Move what a restore replaces into ``kept`` (never deleted by cht-install)."""
    if not path.exists() and not path.is_symlink():
        return
    kept.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.move(str(path), str(kept / path.name))
    log(f"restore: kept {path} as {kept / path.name}")


def put_back_settings(session: Session, file: Path, data: Path | None, kept: Path,
                      emit: Emit) -> None:
    """The answers, CHT's files (.env with its secrets, compose files) and the certificate
    from the backup, what they replace kept aside first."""
    paths = session.paths
    log = session.real.log
    places = {"answers.yml": paths.answers, "tls": paths.tls_dir,
              "acme": paths.acme_account_key.parent}
    for place in places.values():
        keep_aside(place, kept, log)
    if paths.cht_dir.is_dir():
        for item in sorted(paths.cht_dir.iterdir()):
            if data is None or item != data:
                keep_aside(item, kept / "cht", log)
    backup.extract_parts(file, {**places, "cht": paths.cht_dir}, progress_to(emit))


def swap_data(session: Session, file: Path, data: Path, emit: Emit) -> Path | None:
    """CHT's data from the backup in place of the live one, which is kept beside it."""
    log = session.real.log
    moved: Path | None = None
    if data.exists():
        moved = data.with_name(f"{data.name}.replaced-{backup.stamp(time.time())}")
        os.rename(data, moved)
        log(f"restore: kept CHT's data {data} as {moved}")
    backup.extract(file, "data", data, progress_to(emit))
    return moved


def restore(options: Options, file: Path, replace: bool, emit: Emit,
            say: Callable[[str], None]) -> bool:
    """Put a backup back; False when the install afterwards did not end healthy."""
    session = Session(options)
    ctx = session.context(PlanHost(session.real))
    live = has_data(ctx)
    if live is not None and not replace:
        raise BackupError(
            f"this server already has CHT data ({live}); a restore replaces it",
            f"If that is what you want, run `sudo cht-install restore {file} --replace-data`: "
            "the data it replaces is kept beside it (renamed .replaced-DATE) and its "
            f"settings in {session.paths.journal.parent / 'replaced'}.")
    manifest = backup.verify(file, progress_to(emit))
    made = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(manifest["created"])))
    say(f"The backup is whole: {len(manifest['files'])} files checked, made {made} on "
        f"{manifest.get('hostname')} (CHT {manifest.get('version')}).")
    kept = session.paths.journal.parent / "replaced" / backup.stamp(time.time())
    data_now = data_location(ctx)
    with RunLock(session.paths.lock), backup_lock(session):
        if data_now is not None and cht_containers(ctx):
            stop_cht(session, ctx, say)
        put_back_settings(session, file, data_now[1] if data_now else None, kept, emit)
    session = Session(Options(root=options.root))  # the restored answers
    say(f"Settings put back (answers, {session.env_file.name}, certificate); what they "
        f"replaced is in {kept}.")
    ctx = session.context(PlanHost(session.real))
    if data_location(ctx) is None:
        say("CHT's data has no place here yet: installing CHT first, with the restored "
            "answers and secrets ...")
        if not session.run([emit]).ok:
            raise BackupError("the install before putting the data back did not finish",
                              f"See {session.paths.log}; fix what it says, then run the same "
                              "`cht-install restore` again (nothing was lost).",
                              untouched=False)
    place = data_location(ctx)
    assert place is not None, "CHT's data place exists once CHT is installed"
    with RunLock(session.paths.lock), backup_lock(session):
        stop_cht(session, ctx, say)
        moved = swap_data(session, file, place[1], emit)
    say(f"CHT's data put back in {place[1]}"
        + (f"; the data it replaced is kept in {moved} (delete it once you have checked "
           "CHT: cht-install never does)." if moved else "."))
    say("Starting CHT with it and checking every step ...")
    result = session.run([emit])
    return result.ok


def stop_cht(session: Session, ctx: Context, say: Callable[[str], None]) -> None:
    names = cht_containers(ctx)
    if names:
        say(f"Stopping CHT ({', '.join(names)}) ...")
        session.real.run(["docker", "stop", "-t", "60", *names], timeout=300)
