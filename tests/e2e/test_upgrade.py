"""`cht-install upgrade` end to end: CHT 5.0.2 installed from a mirror of CHT's build server
whose compose files name the local registry (an air-gapped site's mirror, reachable by CHT's
API as CHT's own is), then upgraded to 5.2.0 through the stand-ins of CHT's API (staging,
indexing, completing) and the upgrade service (swapping the compose files, pulling, bringing
CHT up); refusals that change nothing (an older release, a full disk); a staging that fails
leaving 5.0.2 serving; the data marker kept and the new version served over HTTPS."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Installed, InstallRun, cht_install, doctor, killed_in, not_ok
from tests.e2e.test_current_line import client, handshake, install, purge

HOST = "cht.current.test"
OLD, NEW, NEWER = "5.0.2", "5.2.0", "5.2.1"
STANDIN = Path(__file__).resolve().parents[2] / "scripts/standin/cht/builds"
MIRROR_PORT = 8093
DATA = Path("/run/cht-upgrade-test-data")  # a small disk of its own (tmpfs)
DATA_SIZE_MB = 5000
UPGRADE_NOTE = "var/lib/cht-install/upgrade.json"


def bridge_address() -> str:
    """The Docker engine's address on its default bridge: this host, as CHT's containers
    reach it (the API fetches the release from the build server itself)."""
    shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True,
                           text=True, check=True).stdout.split()
    return shown[shown.index("inet") + 1].split("/")[0]


@dataclass(frozen=True)
class Mirror:
    url: str
    folder: Path


@pytest.fixture(scope="module")
def site(fresh_install: Installed,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Mirror]]:
    """CHT 5.0.2 installed the documented way (CHT's build server's stand-in, its data on
    a disk of its own), then pointed at a mirror of the build server listing 5.0.2 and
    5.2.0 whose compose files name the local registry, served where both this host and
    CHT's containers reach it (the Docker bridge's address, there once Docker is)."""
    purge()
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DATA_SIZE_MB}m", "tmpfs", str(DATA)],
                   check=True)
    root = tmp_path_factory.mktemp("upgrade")
    given = root.parent / f"{root.name}-answers.yml"
    given.write_text(yaml.safe_dump({"data": str(DATA)}))
    first = install(root, "--answers", str(given), version=OLD)
    assert first.returncode == 0, first.output
    folder = tmp_path_factory.mktemp("mirror")
    for version in (OLD, NEW, NEWER):
        compose = folder / f"_couch/builds_4/medic:medic:{version}/docker-compose"
        compose.mkdir(parents=True)
        for name in ("cht-core.yml", "cht-couchdb.yml"):
            text = (STANDIN / name).read_text().replace("@VERSION@", version)
            (compose / name).write_text(text.replace("public.ecr.aws/", "127.0.0.1:5000/"))
    (folder / "cht-upgrade-service").mkdir()
    shutil.copy(STANDIN / "upgrade-service.yml", folder / "cht-upgrade-service/docker-compose.yml")
    address = bridge_address()
    server = subprocess.Popen([sys.executable, str(STANDIN / "server.py"), str(MIRROR_PORT),
                               str(folder), address], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    mirror = Mirror(f"http://{address}:{MIRROR_PORT}/_couch/builds_4", folder)
    try:
        moved = cht_install("--yes", "--root", str(root), "--builds-url", mirror.url,
                            "--upgrade-service-url", mirror.url.replace(
                                "_couch/builds_4", "cht-upgrade-service/docker-compose.yml"))
        assert moved.returncode == 0, moved.output
        (DATA / "cht-install-test-marker").write_text("precious")
        yield root, mirror
    finally:
        server.terminate()
        server.wait(10)
        purge()
        subprocess.run(["umount", "-l", str(DATA)], check=False)
        back = cht_install("--yes", "--root", str(fresh_install.root))
        assert back.returncode == 0, back.output


def healthy(root: Path) -> None:
    """doctor finds nothing wrong but the test's own disk for CouchDB's data (tmpfs, which
    it rightly says a power cut empties)."""
    report = doctor(root)
    assert set(not_ok(report)) == {"data.journaled"}, not_ok(report)


def served() -> str:
    return str(json.loads(handshake()[1])["version"])


def saved_version(root: Path) -> str:
    return str(yaml.safe_load((root / "etc/cht-install/answers.yml").read_text())["cht_version"])


def upgrade(root: Path, *args: str) -> InstallRun:
    return cht_install("upgrade", *args, "--root", str(root))


def test_the_plan_and_the_refusals_change_nothing(site: tuple[Path, Mirror]) -> None:
    root, _ = site
    plan = upgrade(root, NEW, "--dry-run")
    assert plan.returncode == 0, plan.output
    assert f"the plan from CHT {OLD} to {NEW}" in plan.output
    for words in ("/api/v2/upgrade/stage", "A backup is made before the upgrade",
                  "CHT switched to the new release"):
        assert words in plan.output, words
    older = upgrade(root, "4.22.0")
    assert older.returncode == 2 and "older than CHT 5.0.2" in older.output, older.output
    assert "Nothing was changed" in older.output
    filler = DATA / "filler"
    with filler.open("wb") as out:  # CouchDB's data now uses over a fifth of its disk
        out.write(b"\0" * (DATA_SIZE_MB * 3 // 10) * 1_000_000)
    try:
        full = upgrade(root, NEW)
    finally:
        filler.unlink()
    assert full.returncode == 2, full.output
    assert "up to 5 times" in full.output and "Nothing was changed" in full.output
    assert served() == OLD and saved_version(root) == OLD
    assert not (root / UPGRADE_NOTE).exists()
    assert not (root / "var/backups/cht").exists()  # no backup either: refused first


def test_a_staging_that_fails_leaves_the_old_release_serving(
        site: tuple[Path, Mirror]) -> None:
    root, mirror = site
    release = mirror.folder / f"_couch/builds_4/medic:medic:{NEW}"
    (release / "no-attachments").write_text("")
    try:
        run = upgrade(root, NEW)
    finally:
        (release / "no-attachments").unlink()
    assert run.returncode == 1, run.output
    assert "could not stage CHT 5.2.0" in run.output
    assert "Staging ddoc is missing attachments" in run.output
    assert f"CHT {OLD} still serves" in run.output
    assert served() == OLD and saved_version(root) == OLD
    assert not (root / UPGRADE_NOTE).exists()
    healthy(root)


def test_an_upgrade_stages_switches_and_keeps_the_data(site: tuple[Path, Mirror]) -> None:
    root, _ = site
    run = upgrade(root, NEW)
    assert run.returncode == 0, run.output
    assert f"CHT {NEW} runs" in run.output and "made for this upgrade: " in run.output
    assert "indexing CHT 5.2.0's views" in run.output
    assert served() == NEW and saved_version(root) == NEW
    assert (DATA / "cht-install-test-marker").read_text() == "precious"
    assert f"cht-api:{NEW}" in (root / "opt/cht/compose/cht-core.yml").read_text()
    # the upgrade service kept the compose files before writing each new one, as CHT's
    # does (containers.js): the first of those copies is 5.0.2's
    kept = list((root / "opt/cht/compose/data/backup").glob("*/cht-core.yml"))
    assert any(f"cht-api:{OLD}" in copy.read_text() for copy in kept), kept
    assert not (root / UPGRADE_NOTE).exists()
    with closing(client()) as docker:
        api = docker.containers.get("cht-api-1")
        assert api.attrs["Config"]["Image"] == f"127.0.0.1:5000/medic/cht-api:{NEW}"
    healthy(root)
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0 and "nothing was changed" in again.output, again.output
    same = upgrade(root, NEW)
    assert same.returncode == 0 and "already runs here" in same.output


# Where an upgrade is killed, and how long its step usually takes here (seconds): the delay
# into it is drawn from a seed, as for the install's and the password's kills.
UPGRADE_KILLS = [("upgrade.kept", 0.02), ("upgrade.release", 0.1), ("upgrade.images", 2.0),
                 ("upgrade.backup", 0.3), ("upgrade.staged", 6.0), ("upgrade.switched", 12.0),
                 ("cht.running", 1.0), ("upgrade.done", 0.05)]
UPGRADE_KILL_SEED = int(os.environ.get("CHT_KILL_SEED", "20261203"))


def test_an_upgrade_killed_at_each_step_is_finished_by_running_it_again(
        site: tuple[Path, Mirror]) -> None:
    """One upgrade (5.2.0 to 5.2.1), its runs killed one after another, each in the next
    step (SSH dropped, the power cut), then run again: it ends upgraded, nothing lost."""
    root, _ = site
    assert served() == NEW
    rng = random.Random(UPGRADE_KILL_SEED)
    tally = [f"seed {UPGRADE_KILL_SEED}"]
    for step, length in UPGRADE_KILLS:
        delay = round(rng.uniform(0, length), 3)
        landed = killed_in(root, ["upgrade", NEWER], step, delay)
        tally.append(f"  kill {delay:6.3f} s into {step:<18} landed in {landed}")
    print("\n".join(tally))
    final = upgrade(root, NEWER)
    assert final.returncode == 0, final.output
    assert f"CHT {NEWER} runs" in final.output or "already runs here" in final.output
    assert served() == NEWER and saved_version(root) == NEWER
    assert (DATA / "cht-install-test-marker").read_text() == "precious"
    assert not (root / UPGRADE_NOTE).exists()
    healthy(root)
