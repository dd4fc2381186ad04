"""After the install, live: backups that restore (here, and on a new server root), a damaged
backup refused before anything changes, the scheduled health check alerting a loopback
receiver when CHT breaks and when it recovers (and saying so when the receiver is down),
and the OS's security updates turned on when asked."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import (
    Installed,
    applied,
    cht_install,
    doctor,
    marker_survives,
)
from tests.receiver import receiving

VOLUME_DATA = Path("/var/lib/docker/volumes/medic-data/_data")


def backups(root: Path) -> list[Path]:
    return sorted((root / "var/backups/cht").glob("cht-backup-*.tar.gz"))


def made_backup(root: Path) -> Path:
    run = cht_install("backup", "--root", str(root))
    assert run.returncode == 0, run.output
    assert "Copying it off this server is yours to do" in run.output
    newest = backups(root)[-1]
    assert stat.S_IMODE(newest.stat().st_mode) == 0o600
    return newest


def test_backup_then_destroy_the_data_then_restore_finds_the_marker(
        healthy: Path, docker_client: Any) -> None:
    marker_survives(docker_client)
    file = made_backup(healthy)
    record = json.loads((healthy / "var/lib/cht-install/last-backup.json").read_text())
    assert record["file"] == str(file)
    checks = {c["id"]: c for c in doctor(healthy)["checks"]}
    assert "last backup" in checks["data.backup"]["reason"]

    for no_questions in ((), ("--yes",)):  # --yes asks nothing and replaces nothing
        refused = cht_install("restore", str(file), *no_questions, "--root", str(healthy))
        assert refused.returncode == 2
        assert "already has CHT data" in refused.output and "--replace-data" in refused.output
        assert "Nothing was changed" in refused.output

    for name in ("medic-os", "haproxy"):
        docker_client.containers.get(name).stop()
    for item in VOLUME_DATA.iterdir():  # the disk's contents lost
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()

    restored = cht_install("restore", str(file), "--root", str(healthy))
    assert restored.returncode == 0, restored.output
    assert "The backup is whole" in restored.output
    marker_survives(docker_client)
    assert doctor(healthy)["healthy"]


def test_a_damaged_backup_is_refused_before_anything_is_touched(
        healthy: Path, docker_client: Any, tmp_path: Path) -> None:
    file = made_backup(healthy)
    cut = tmp_path / file.name
    cut.write_bytes(file.read_bytes()[: file.stat().st_size * 2 // 3])
    before = {p: p.read_bytes() for p in (healthy / "etc/cht-install/answers.yml",
                                          healthy / "opt/cht/.env")}
    started = docker_client.containers.get("medic-os").attrs["State"]["StartedAt"]
    run = cht_install("restore", str(cut), "--replace-data", "--root", str(healthy))
    assert run.returncode == 2
    assert "damaged or cut short" in run.output and "Nothing was changed" in run.output
    assert {p: p.read_bytes() for p in before} == before
    assert docker_client.containers.get("medic-os").attrs["State"]["StartedAt"] == started
    marker_survives(docker_client)


@pytest.fixture
def new_server(fresh_install: Installed, healthy: Path, docker_client: Any,
               tmp_path: Path) -> Iterator[Path]:
    """A server that has lost everything but Docker: no CHT containers, no data, no
    answers. Afterwards the shared install is brought back to health."""
    yield tmp_path / "new-server"
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0
    marker_survives(docker_client)


def test_restore_onto_a_new_server_installs_cht_from_the_backup(
        healthy: Path, new_server: Path, docker_client: Any) -> None:
    file = made_backup(healthy)
    for name in ("medic-os", "haproxy"):
        docker_client.containers.get(name).remove(force=True)
    docker_client.volumes.get("medic-data").remove()
    run = cht_install("restore", str(file), "--root", str(new_server))
    assert run.returncode == 0, run.output
    assert "installing CHT first, with the restored answers and secrets" in run.output
    marker_survives(docker_client)
    assert (new_server / "opt/cht/.env").read_bytes() == (healthy / "opt/cht/.env").read_bytes()
    assert doctor(new_server)["healthy"]


def health_state(root: Path) -> dict[str, Any]:
    path = root / "var/lib/cht-install/health-state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def wait_for(what: str, check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(2)
    pytest.fail(f"no {what} within {timeout:.0f} s")


@pytest.fixture
def scheduled_checks(healthy: Path) -> Iterator[Path]:
    """The health-check schedule cht-install writes under the test root, handed to this
    machine's cron as it is (its command names the root); taken away afterwards."""
    live = Path("/etc/cron.d/cht-install-health-e2e")
    yield live
    live.unlink(missing_ok=True)
    answers = healthy / "etc/cht-install/answers.yml"
    saved = yaml.safe_load(answers.read_text())
    saved["alerts"] = {"webhook": None, "every_minutes": 15}  # as an operator would edit it
    answers.write_text(yaml.safe_dump(saved))
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0
    assert not (healthy / "etc/cron.d/cht-install-health").exists()


def test_the_scheduled_check_alerts_on_breaking_and_on_recovery(
        healthy: Path, docker_client: Any, scheduled_checks: Path) -> None:
    with receiving() as receiver:
        hook = f"{receiver.url}/hook"
        run = cht_install("--yes", "--root", str(healthy), "--alerts-webhook", hook,
                          "--alerts-every", "1")
        assert run.returncode == 0, run.output
        written = healthy / "etc/cron.d/cht-install-health"
        assert "* * * * * root" in written.read_text()
        test = cht_install("alert-test", "--root", str(healthy))
        assert test.returncode == 0 and receiver.wait_for("test", 5)
        shutil.copy(written, scheduled_checks)
        scheduled_checks.chmod(0o644)
        wait_for("first scheduled check", lambda: "checked" in health_state(healthy), 150)
        assert receiver.bodies()[-1]["status"] == "test"  # healthy: no alert

        docker_client.containers.get("haproxy").stop()
        broken = receiver.wait_for("broken", 180)
        assert broken is not None, "no alert after haproxy stopped"
        assert any("running" in problem for problem in broken["problems"])
        assert broken["url"] == "https://cht.e2e.test/"

        repair = cht_install("--yes", "--root", str(healthy))
        assert repair.returncode == 0, repair.output
        recovered = receiver.wait_for("recovered", 180)
        assert recovered is not None, "no recovery alert after the repair"
        sent = [b["status"] for b in receiver.bodies()]
        assert sent.count("broken") == 1  # once per change, not once per check

    # The receiver is gone: the check ends at once, says so in the log, keeps the news.
    scheduled_checks.unlink()  # the schedule was proven above; this check is run by hand
    docker_client.containers.get("haproxy").stop()
    check = cht_install("health-check", "--root", str(healthy), timeout=120)
    assert check.returncode == 1 and check.seconds < 60
    assert "could not deliver: webhook" in check.output
    log = (healthy / "var/log/cht-install.log").read_text()
    assert "could not deliver: webhook" in log and "could not be reached" in log
    assert health_state(healthy)["undelivered"] == "broken"
    assert cht_install("--yes", "--root", str(healthy)).returncode == 0


@pytest.fixture
def no_automatic_updates() -> Iterator[None]:
    """This test host does not install updates on its own after the test (dpkg's lock
    is the end-to-end tests' to take)."""
    yield
    subprocess.run(["apt-get", "purge", "-y", "-qq", "unattended-upgrades"],
                   capture_output=True, check=False)
    Path("/etc/apt/apt.conf.d/20auto-upgrades").unlink(missing_ok=True)


def test_security_updates_are_reported_then_turned_on_when_asked(
        healthy: Path, no_automatic_updates: None) -> None:
    subprocess.run(["apt-get", "purge", "-y", "-qq", "unattended-upgrades"],
                   capture_output=True, check=False)
    before = {c["id"]: c for c in doctor(healthy)["checks"]}["os.security-updates"]
    assert before["status"] == "warning" and "apt-get install unattended-upgrades" in \
        before["fix"]
    run = cht_install("--yes", "--root", str(healthy), "--automatic-updates", "yes")
    assert run.returncode == 0, run.output
    after = {c["id"]: c for c in doctor(healthy)["checks"]}["os.security-updates"]
    assert after["status"] == "ok", after
    dump = subprocess.run(["apt-config", "dump", "APT::Periodic::Unattended-Upgrade"],
                          capture_output=True, text=True, check=True).stdout
    assert '"1"' in dump
    again = cht_install("--yes", "--root", str(healthy))
    assert again.returncode == 0, again.output
    assert "os.automatic-updates" not in applied(healthy)
    assert cht_install("--yes", "--root", str(healthy), "--automatic-updates",
                       "no").returncode == 0
