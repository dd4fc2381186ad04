"""The package manager as a fresh cloud VM has it: locked by another install, or left
half-configured by an interrupted one. Real dpkg locks and real dpkg state."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from installer.answers import from_mapping
from installer.events import Event, Log
from installer.host import RealHost
from installer.lines.table import line_for
from installer.paths import Paths
from installer.platform import detect
from installer.step import Context, StepError
from installer.steps.docker import PackagesReady, recipe, run_package_command

HOLD_LOCK = """
import fcntl, sys, time
handle = open("/var/lib/dpkg/lock-frontend", "w")
fcntl.lockf(handle, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def context(tmp_path: Path, events: list[Event], lock_timeout: int) -> Context:
    config = from_mapping({"hostname": "h.example",
                           "docker": {"source": "distro", "lock_timeout": lock_timeout}})
    return Context(host=RealHost(tmp_path / "log"), config=config, paths=Paths.under(tmp_path),
                   platform=detect(), emit=events.append,
                   line=line_for(config))


@pytest.fixture
def holder() -> subprocess.Popen[str]:
    if os.geteuid() != 0:
        pytest.fail("needs root: it takes dpkg's lock")
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    yield process
    process.kill()
    process.wait()


def test_waits_for_the_lock_naming_its_holder_then_installs(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    events: list[Event] = []
    ctx = context(tmp_path, events, lock_timeout=60)
    release = threading.Timer(3, holder.kill)
    release.start()
    started = time.monotonic()
    run_package_command(ctx, recipe(ctx), ["apt-get", "install", "-y", "tmux"])
    waited = time.monotonic() - started
    release.cancel()
    notes = [e.text for e in events if isinstance(e, Log)]
    assert any(f"(pid {holder.pid}) holds /var/lib/dpkg/lock-frontend" in n for n in notes), notes
    assert waited >= 2.5


def test_gives_up_after_the_limit_with_the_fix(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    ctx = context(tmp_path, [], lock_timeout=2)
    with pytest.raises(StepError) as error:
        run_package_command(ctx, recipe(ctx), ["apt-get", "install", "-y", "tmux"])
    assert f"pid {holder.pid}" in error.value.reason
    assert "lock_timeout" in error.value.fix


def test_an_interrupted_dpkg_is_found_and_repaired(tmp_path: Path) -> None:
    marker = Path("/var/lib/dpkg/updates/0000")
    marker.touch()  # what dpkg leaves when it is killed mid-install
    try:
        broken = subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True,
                                text=True, check=False)
        assert "dpkg was interrupted" in broken.stderr  # the real symptom
        ctx = context(tmp_path, [], lock_timeout=60)
        step = PackagesReady()
        assert step.probe(ctx).status.value == "broken"
        step.apply(ctx)
        assert step.probe(ctx).ok
        assert subprocess.run(["apt-get", "install", "-y", "tmux"], capture_output=True,
                              check=False).returncode == 0
    finally:
        marker.unlink(missing_ok=True)
