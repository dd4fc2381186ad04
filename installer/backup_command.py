"""`cht-install backup`: one checksummed archive of CHT's data, the secrets and the answers,
made now under its own lock, and what the operator still has to do with it."""

from __future__ import annotations

from installer import backup
from installer.backup import BackupError, Made
from installer.disk import human
from installer.doctor_checks import data_location
from installer.events import Emit, Progress
from installer.host import PlanHost
from installer.journal import RunLock
from installer.session import Session

BACKUP_LOCK = "cht-install-backup.lock"




def progress_to(emit: Emit) -> backup.Progress:
    def report(done: int, total: int, what: str) -> None:
        emit(Progress("backup", done, total, what))
    return report


def backup_lock(session: Session) -> RunLock:
    """Backups have their own lock: a nightly backup does not hold up an install."""
    return RunLock(session.paths.lock.with_name(BACKUP_LOCK))


def make_backup(session: Session, emit: Emit) -> Made:
    ctx = session.context(PlanHost(session.real))
    place = data_location(ctx)
    if place is None:
        raise BackupError("CHT's data does not exist yet, so there is nothing to back up",
                          "Run cht-install first: it starts CHT, which creates it.")
    what, path = place
    into = backup.backup_dir(session.config.backup.dir, session.paths.root)
    about: dict[str, object] = {"hostname": session.config.hostname, "line":
                                session.config.line, "version": session.config.version,
                                "data": str(path), "data_kind": what}
    with backup_lock(session):
        session.real.log(f"backup of {what} ({path}) into {into} started")
        try:
            made = backup.create(session.paths, path, into, about,
                                 session.config.backup.keep, progress_to(emit))
        except BackupError as exc:
            session.real.log(f"backup failed: {exc.reason}")
            raise
        except OSError as exc:
            session.real.log(f"backup failed: {exc}")
            raise BackupError(f"the backup could not be written: {exc.strerror or exc}",
                              f"Check {into} (room, permissions), then run `cht-install "
                              "backup` again.") from None
    session.real.log(f"backup written: {made.file} ({made.bytes} bytes, sha256 {made.sha256},"
                     f" {made.seconds:.1f} s); removed: {[str(p) for p in made.removed]}")
    return made


def describe(made: Made, session: Session) -> list[str]:
    """What a backup is and what the operator still has to do with it."""
    lines = [f"Backup written: {made.file} ({human(made.bytes)}, {made.seconds:.0f} s), "
             f"checksum in {made.file.name}.sha256.",
             "It holds CHT's data, the secrets in .env and the answers, so only root may "
             "read it. Copying it off this server is yours to do (a disk that dies takes "
             "the backups on it along), e.g.:",
             f"    sudo scp {made.file} you@another-machine:",
             "Put it back, here or on a new server: sudo cht-install restore FILE"]
    if made.removed:
        lines.append(f"Removed {len(made.removed)} older backup(s) (backup.keep is "
                     f"{session.config.backup.keep}).")
    return lines
