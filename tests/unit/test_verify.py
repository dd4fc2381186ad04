"""cht.answers-https: telling "CHT is still installing itself" apart, with its progress."""

from __future__ import annotations

from installer.steps.verify import horti_progress


def test_horticulturalists_progress_is_read_from_its_own_log_lines() -> None:
    stamp = "2026-11-26T11:00:00.000Z"
    log = (f"{stamp} horti:info Deploying new build: medic:medic:3.9.0\n"
           f"{stamp} horti:stage Downloading and staging install\n"
           f"{stamp} horti:debug Downloading medic:medic:3.9.0, this may take some time…\n")
    assert horti_progress(log) == "Downloading and staging install"
    log += (f"{stamp} horti:stage Warming views\n"
            f"{stamp} horti:debug _design/medic:staged:     [|||||30%|||||_______]\n")
    assert horti_progress(log) == "Warming views (30%)"
    assert horti_progress("") == "starting"
