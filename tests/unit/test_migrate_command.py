"""`cht-install migrate`'s choices around its steps: where the new CouchDB's data goes, what
a worker goes on from, and when a follower hears the end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from installer import migrate_command as command
from installer.answers import from_mapping
from installer.events import Log, RunFinished
from installer.migrate_command import new_data
from installer.migration import note
from installer.paths import Paths


def test_the_new_data_goes_beside_3x_data_and_never_onto_it() -> None:
    volume = from_mapping({"hostname": "cht.example.org"})
    assert new_data(volume) == "volume"  # CHT's layout: /opt/cht/couchdb
    folder = from_mapping({"hostname": "cht.example.org", "data": "/srv/cht"})
    assert new_data(folder) == "/srv/cht-couchdb"
    assert Path(new_data(folder)).parent == Path("/srv")



def test_the_worker_goes_on_from_the_note_and_holds_the_end_until_3x_is_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retry on the screens hands the worker the migration as it was asked; the note on
    the disk says how far it went (the secret read before 3.x stopped), and that wins."""
    given = note.Migration(old="3.9.0", new="5.0.2")
    written = note.Migration(old="3.9.0", new="5.0.2", secret="s3cret", copied=True)
    path = Paths.under(tmp_path).migration_note
    path.parent.mkdir(parents=True)
    path.write_text(note.text(written))
    used: list[note.Migration] = []

    def apply(session: object, migration: note.Migration, *rest: object) -> RunFinished:
        used.append(migration)
        return RunFinished(ok=True)

    monkeypatch.setattr(command, "apply", apply)
    command.in_worker(tmp_path, given, "run-1", [], lambda: False)
    path.write_text(note.text(replace(written, phase=note.BACK)))  # after --back: anew
    command.in_worker(tmp_path, given, "run-2", [], lambda: False)
    assert used == [written, given]


def test_held_events_pass_but_the_end_waits_for_release() -> None:
    seen: list[object] = []
    held = command.Held([seen.append])
    held(Log("", "one"))
    held(RunFinished(ok=False, failed="migrate.copy"))
    held(RunFinished(ok=True))  # 3.x's own steps on the way back end too
    assert seen == [Log("", "one")]
    held.release(RunFinished(ok=False, failed="migrate.copy"))
    assert seen == [Log("", "one"), RunFinished(ok=False, failed="migrate.copy")]
