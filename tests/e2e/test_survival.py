"""Survive the terminal going away, Ctrl-C, and SIGKILL anywhere: the run goes on, stops
only at a safe point, and the next run converges. All on the live environment."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from installer.journal import RunLock
from installer.session import Options, Session
from tests.e2e.conftest import (
    REPO,
    SLOW,
    cht_install,
    doctor,
    forget_cht_images,
    install_args,
    marker_survives,
)
from tests.e2e.terminal import Terminal
from tests.e2e.throttle import SlowLink


def journal_runs(root: Path) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {}
    for line in (root / "var/lib/cht-install/journal.jsonl").read_text().splitlines():
        entry = json.loads(line)
        runs.setdefault(entry["run"], []).append(entry)
    return runs


def test_a_hung_up_terminal_leaves_the_install_running_and_a_second_run_attaches(
    slow_server: Path, docker_client: Any
) -> None:
    with SlowLink():
        term = Terminal.cht_install(*install_args(slow_server))
        term.wait_for(r"pulling 127\.0\.0\.1:5001/medicmobile/medic-os")
        term.hang_up()
        status = term.wait()
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0
        holder = RunLock.holder(slow_server / "run/cht-install.lock")
        assert holder is not None, "the install died with its terminal"
        second = cht_install("--yes", "--root", str(slow_server))
    assert second.returncode == 0, second.output
    assert f"already running (pid {holder.pid})" in second.output
    assert "CHT answers at https://" in second.output
    finished = [e for e in journal_runs(slow_server)[holder.run_id]
                if e["event"] == "RunFinished"]
    assert finished and finished[0]["ok"] is True
    third = cht_install("--yes", "--root", str(slow_server))
    assert "found CHT healthy" in third.output  # how the last run ended,
    assert "That was then: this run checks every step again now." in third.output  # then
    assert "nothing was changed" in third.output
    marker_survives(docker_client)


def test_ctrl_c_asks_then_stops_after_the_current_step(
    slow_server: Path, docker_client: Any
) -> None:
    with SlowLink():
        term = Terminal.cht_install(*install_args(slow_server))
        term.wait_for(r"CHT images are pulled \.\.\.")
        term.send("\x03")
        term.wait_for(r"Stop the install\? It stops safely after the current step")
        term.send("y\r")
        stopped = term.wait_for(r'stopped, as asked, before "[^"]+":', timeout=180)
        assert os.WEXITSTATUS(term.wait()) == 1
    title = stopped.split('"')[1]  # said by its title: the plan knows its id
    before = {v: k for k, v in Session(Options(root=slow_server)).step_titles().items()}[title]
    run = list(journal_runs(slow_server).values())[-1]
    started = [e["step_id"] for e in run if e["event"] == "StepStarted"]
    done = [e["step_id"] for e in run if e["event"] == "StepDone"]
    assert before not in started  # the next step never began
    assert started == done  # and every step that began, finished whole
    assert "images.pulled" in done  # the step running at Ctrl-C was not cut short
    for image in ("medicmobile/medic-os:cht-3.9.0-rc.2", "medicmobile/haproxy:rc-1.17"):
        docker_client.images.get(f"{SLOW}/{image}")
    again = cht_install("--yes", "--root", str(slow_server))
    assert again.returncode == 0, again.output
    assert f'was stopped, as asked, before "{title}"' in again.output
    marker_survives(docker_client)


# Where to kill, and how long after the step starts (seconds, drawn from the seed):
# the steps that do work when the install is broken, with their usual length.
KILL_TARGETS = [
    ("docker.installed", 25.0), ("docker.installed", 25.0),
    ("docker.running", 3.0), ("docker.running", 3.0), ("docker.running", 3.0),
    ("cht.compose-file", 0.05), ("cht.compose-file", 0.05),
    ("images.pulled", 3.0), ("images.pulled", 3.0), ("images.pulled", 3.0),
    ("images.pulled", 3.0),
    ("cht.running", 6.0), ("cht.running", 6.0), ("cht.running", 6.0), ("cht.running", 6.0),
    ("tls.certificate", 0.3), ("tls.certificate", 0.3),
    ("tls.installed", 2.0), ("tls.installed", 2.0), ("tls.installed", 2.0),
]
SEED = int(os.environ.get("CHT_KILL_SEED", "20261126"))


def break_for(step: str, root: Path, client: Any) -> None:
    """Break the install so that ``step`` (and the ones after it) have work to do."""
    if step in ("docker.installed", "docker.running"):
        subprocess.run(["pkill", "-x", "dockerd"], check=False)
        for _ in range(100):
            if subprocess.run(["pgrep", "-x", "dockerd"], capture_output=True).returncode:
                break
            time.sleep(0.2)
        if step == "docker.installed":  # removed, not purged: images and volumes stay
            engines = [name for name in ("docker.io", "docker-ce") if "install ok installed" in
                       subprocess.run(["dpkg-query", "-W", "-f", "${Status}", name],
                                      capture_output=True, text=True).stdout]
            subprocess.run(["apt-get", "remove", "-y", "-q", *engines], check=True,
                           capture_output=True, env={**os.environ,
                                                     "DEBIAN_FRONTEND": "noninteractive"})
        return
    for name in ("medic-os", "haproxy"):
        try:
            client.containers.get(name).remove(force=True)
        except Exception:
            pass
    if step in ("cht.compose-file", "images.pulled", "cht.running"):
        (root / "opt/cht/docker-compose.yml").unlink(missing_ok=True)
        forget_cht_images(client)  # layers and all: the pull downloads for real
    if step in ("tls.certificate", "tls.installed"):
        for path in (root / "etc/cht-install/tls").glob("*"):
            path.unlink()


def kill_inside(root: Path, step: str, delay: float) -> str:
    """Start a run, SIGKILL its worker (and everything it started) ``delay`` seconds
    into ``step``; return where the kill landed."""
    journal = root / "var/lib/cht-install/journal.jsonl"
    offset = journal.stat().st_size if journal.exists() else 0
    front = subprocess.Popen([sys.executable, "-m", "installer.cli", "--yes", "--root", str(root)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def journaled() -> str:
        with journal.open() as handle:
            handle.seek(offset)
            return handle.read()

    deadline = time.monotonic() + 600
    while f'"StepStarted", "step_id": "{step}"' not in (text := journaled()):
        assert '"RunFinished"' not in text, f"the run ended before {step}:\n{text[-2000:]}"
        assert time.monotonic() < deadline, f"{step} never started"
        time.sleep(0.01)
    # kill after the drawn delay, or the moment the step ends if it ends sooner
    kill_at = time.monotonic() + delay
    ended = (f'"StepDone", "step_id": "{step}"', f'"StepFailed", "step_id": "{step}"')
    while time.monotonic() < kill_at and not any(mark in journaled() for mark in ended):
        time.sleep(0.005)
    holder = RunLock.holder(root / "run/cht-install.lock")
    assert holder is not None and holder.pid
    os.killpg(holder.pid, signal.SIGKILL)  # the worker leads its own process group
    front.kill()
    front.wait()
    while RunLock.holder(root / "run/cht-install.lock") is not None:
        time.sleep(0.05)
    with journal.open() as handle:
        handle.seek(offset)
        started = [json.loads(line) for line in handle if '"StepStarted"' in line]
    return str(started[-1]["step_id"]) if started else "(before the first step)"


def test_killed_anywhere_the_next_run_converges(healthy: Path, docker_client: Any) -> None:
    root = healthy
    rng = random.Random(SEED)
    tally: list[tuple[str, float, str, bool]] = []
    for step, length in KILL_TARGETS:
        delay = round(rng.uniform(0, length), 3)
        client = docker_client
        break_for(step, root, client)
        landed = kill_inside(root, step, delay)
        after = cht_install("--yes", "--root", str(root))
        converged = after.returncode == 0 and doctor(root)["healthy"] is True
        marker_survives(docker_client)
        tally.append((step, delay, landed, converged))
    lines = [f"seed {SEED}: {sum(c for *_, c in tally)} of {len(tally)} runs converged"]
    lines += [f"  kill {delay:6.3f} s into {step:<17} landed in {landed:<17} "
              f"{'converged' if ok else 'DID NOT CONVERGE'}" for step, delay, landed, ok in tally]
    report = "\n".join(lines)
    print(report)
    Path(os.environ.get("CHT_KILL_TALLY", "/tmp/cht-kill-tally.txt")).write_text(report + "\n")
    assert all(ok for *_, ok in tally), report
    marker_survives(docker_client)


def test_the_tui_started_during_a_run_attaches_to_it(
    slow_server: Path, docker_client: Any, tmp_path: Path
) -> None:
    from tests.e2e.tmux import Tmux

    with SlowLink() as link:
        first = subprocess.Popen([sys.executable, "-m", "installer.cli",
                                  *install_args(slow_server)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while link.carried == 0:
            assert first.poll() is None, "the first run ended before its pull"
            time.sleep(0.1)
        term = Tmux(f"cd {REPO} && {sys.executable} -m installer.cli --root {slow_server}")
        try:
            shown = term.wait_for("[ .. ] CHT images are pulled", 60)
            assert "Welcome" not in shown  # straight to the run in progress
            shown = term.wait_for("CHT is installed", 600)
            assert "[done] CHT containers are running and set up" in shown
            term.keys("n")
            term.wait_for("Address:", 30)
        finally:
            term.close()
        assert first.wait(60) == 0
    marker_survives(docker_client)
