"""The detached worker: runs one install, repair or migration, journaled, whatever happens
to the terminal that started it. Reads its orders (with secrets) from standard input; writes its
events as JSON lines to standard output for the front end that started it, if still there."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from installer.answers import from_mapping
from installer.disk import explain_os_error
from installer.events import Event, Log, RunFinished, event_to_dict
from installer.journal import AlreadyRunning, Journal
from installer.migration import note
from installer.session import Options, Session
from installer.words import explain


class ToStarter:
    """Events to the front end that started this run; silent once it has gone."""

    def __init__(self, run_id: str, redact: object) -> None:
        self.run_id = run_id
        self.redact = redact
        self.gone = False

    def __call__(self, event: Event) -> None:
        if self.gone:
            return
        entry = {"time": time.time(), "run": self.run_id, **event_to_dict(event)}
        line = self.redact(json.dumps(entry, default=str)) + "\n"  # type: ignore[operator]
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except OSError:
            self.gone = True  # the terminal went away; the journal still has everything


def peak_mib(process: str = "self") -> int:
    """A process's peak resident memory since it started its program (this one's unless a
    pid is given): the kernel's VmHWM. (getrusage's ru_maxrss also counts the front end the
    worker was forked from, before exec.) 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def main() -> int:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the terminal is not ours to lose
    stop = threading.Event()

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    orders = json.loads(sys.stdin.read())
    run_id = str(orders["run_id"])
    options = Options(root=Path(orders["root"]),
                      os_release=Path(orders["os_release"]) if orders.get("os_release") else None,
                      arch=orders.get("arch"))
    migration = note.read(orders.get("migration"))  # `cht-install migrate`'s run
    session = Session(options) if migration else Session(
        options, config=from_mapping(orders["config"]))
    session.keep_compose_edits = bool(orders.get("keep_compose_edits"))
    journal = Journal(session.paths.journal, run_id, session.real.redact)
    starter = ToStarter(run_id, session.real.redact)
    if migration and migration.secret:
        session.real.add_secret(migration.secret)

    def tell(text: str, failed: str) -> None:
        for sink in (journal.record, starter):
            sink(Log("", text))
            sink(RunFinished(ok=False, failed=failed))

    try:
        if migration:
            from installer.migrate_command import in_worker

            result = in_worker(options.root, migration, run_id, [starter], stop.is_set)
        else:
            result = session.run([starter], run_id=run_id, should_stop=stop.is_set)
    except AlreadyRunning as exc:
        tell(str(exc), "another run")
        return 3
    except OSError as exc:
        reason, fix = explain_os_error(exc)
        session.real.log(f"the run could not go on: {reason}")
        tell(f"{reason}. {fix}", "disk")
        return 1
    except BaseException as exc:  # a crash is still an outcome, told without secrets
        session.real.log("the run crashed:\n" + traceback.format_exc())
        tell(f"cht-install stopped on {explain(exc)}; the log ({session.paths.log}) has "
             "the details", "crash")
        return 1
    session.real.log(f"worker peak memory: {peak_mib()} MiB")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
