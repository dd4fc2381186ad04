"""A run's end in words: installed, repaired (what was found, what is now so), or nothing
needed; the same sentences headless and on the screens; a repair only where CHT was before."""

from __future__ import annotations

from pathlib import Path

from installer.events import Emit, RunFinished, StepDone, StepProbed, StepStarted
from installer.journal import Journal, ever_finished
from installer.repairs import RepairNotes
from installer.report import PlainLines
from installer.step import broken, needed, ok


def a_repair(emit: Emit) -> RunFinished:
    """medic-os had stopped: its probe said so, the run started it, the rest was fine."""
    result = RunFinished(ok=True, applied=("cht.running",))
    for event in (
            StepStarted("docker.running", "Docker engine is running", 1, 2),
            StepProbed("docker.running", ok("dockerd answers")),
            StepDone("docker.running", ok("dockerd answers"), applied=False),
            StepStarted("cht.running", "CHT containers are running and set up", 2, 2),
            StepProbed("cht.running", broken("medic-os is exited")),
            StepProbed("cht.running", ok("medic-os and haproxy run")),
            StepDone("cht.running", ok("medic-os and haproxy run"), applied=True),
            result):
        emit(event)
    return result


def test_a_repair_says_what_was_found_and_what_is_now_so() -> None:
    notes = RepairNotes()
    result = a_repair(notes)
    assert notes.lines(result) == [
        "Found: medic-os is exited. Now: CHT containers are running and set up."]
    assert notes.outcome(result, repair=True).startswith("CHT is repaired: 1 step put right")
    assert notes.outcome(result, repair=False) == "CHT is installed (1 step done)."
    assert notes.result == result


def test_nothing_to_do_says_nothing_was_changed_either_way() -> None:
    notes = RepairNotes()
    nothing = RunFinished(ok=True)
    assert "nothing was changed" in notes.outcome(nothing, repair=True)
    assert notes.outcome(nothing, repair=True).startswith("Nothing needed repair")
    assert notes.outcome(nothing, repair=False) == (
        "Everything was already in place: nothing was changed.")


def test_headless_lines_end_with_the_same_words_and_no_step_ids() -> None:
    written: list[str] = []
    a_repair(PlainLines(written.append, repair=True))
    end = written[-1]
    assert end.startswith("CHT is repaired: 1 step put right")
    assert "  Found: medic-os is exited. Now: CHT containers are running and set up." in end
    assert "cht.running" not in end


def test_a_step_changed_without_a_probe_reason_still_reads() -> None:
    notes = RepairNotes()
    notes(StepProbed("tls.certificate", needed("")))
    result = RunFinished(ok=True, applied=("tls.certificate",))
    assert notes.lines(result) == ["Found: not done yet. Now: tls.certificate."]


def test_a_repair_is_where_a_run_once_ended_healthy(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    assert not ever_finished(journal)
    Journal(journal, "r1").record(RunFinished(ok=False, failed="images.pulled"))
    assert not ever_finished(journal)  # an install that never finished is still an install
    Journal(journal, "r2").record(RunFinished(ok=True, applied=("cht.running",)))
    assert ever_finished(journal)


def test_a_stop_before_a_step_not_yet_begun_names_it_by_its_title() -> None:
    written: list[str] = []
    lines = PlainLines(written.append, titles={"cht.running": "CHT containers are running"})
    lines(RunFinished(ok=False, failed="cht.running", stopped=True))
    lines(RunFinished(ok=False, failed="cht.running"))
    assert written[0].startswith('cht-install stopped, as asked, before "CHT containers are '
                                 'running": nothing was left half-done.')
    assert written[1] == 'cht-install stopped at "CHT containers are running".'
