"""`cht-install migrate` live: a CHT 3.x site with documents in several databases (a marker
and a few hundred generated ones), a cookie sign-in (so that CouchDB has its secret), moved
to the current line's stand-in release; then back to 3.x, moved again under kills at each
step, finished. Docker is purged first (the 3.x site here
runs on Docker from Docker's repository: CHT 5 needs compose v2) and the shared 3.x
install is made again afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from installer.journal import RunLock
from installer.paths import Paths
from tests.e2e.conftest import (
    HOSTNAME,
    REPO,
    Installed,
    cht_install,
    killed_in,
    not_ok,
    phone_context,
    signs_in,
)
from tests.e2e.test_current_line import APT_REPO, BUILDS, UPGRADE_COMPOSE, client, purge
from tests.e2e.test_official_repository import good_fingerprint
from tests.e2e.tmux import Tmux

OLD = "3.9.0"  # what the 3.x stand-in's API says it is
NEW = "5.0.2"
DATABASES = ("medic", "migration-test")
NOTE = "var/lib/cht-install/migration.json"
# Where a migration is killed, and how long its step usually takes (seconds): the delay
# into it is drawn from a seed, as for the install's kills (test_survival.py).
KILLS = [("migrate.kept", 0.02), ("migrate.backup", 0.3), ("migrate.views", 0.5),
         ("migrate.site-read", 1.0), ("migrate.env", 0.02), ("migrate.old-stopped", 1.0),
         ("migrate.copy", 0.1), ("migrate.couchdb", 3.0), ("cht.running", 8.0),
         ("migrate.proven", 1.0)]  # a kill there may land in migrate.done (instant) or after
KILL_SEED = int(os.environ.get("CHT_KILL_SEED", "20261203"))
JOURNAL = "var/lib/cht-install/journal.jsonl"
PAGE = 4096  # a tmpfs gives each file's data whole pages
FILL_CHUNK = 512 * 2**20  # this sandbox refuses a bigger allocation at once


def password_of(root: Path) -> str:
    text = (root / "opt/cht/.env").read_text()
    return text.split("DOCKER_COUCHDB_ADMIN_PASSWORD=", 1)[1].strip().strip("'")


def in_couchdb(container: str, port: int, password: str, script: str) -> Any:
    """A Python script run inside a CouchDB's container against it (``couch(method, path,
    body)`` given); what it prints, as JSON."""
    prelude = ("import json,urllib.request,base64,sys\n"
               "auth='Basic '+base64.b64encode(b'medic:'+sys.argv[1].encode()).decode()\n"
               "def couch(method,path,body=None):\n"
               f" r=urllib.request.Request('http://127.0.0.1:{port}'+path,method=method,\n"
               "  data=json.dumps(body).encode() if body is not None else None,\n"
               "  headers={'Authorization':auth,'Content-Type':'application/json'})\n"
               " return json.loads(urllib.request.urlopen(r).read())\n")
    code, out = client().containers.get(container).exec_run(
        ["python3", "-c", prelude + script, password])
    assert code == 0, out.decode(errors="replace")
    return json.loads(out.decode())


COUNTS = ("print(json.dumps({db: couch('GET','/'+db)['doc_count'] "
          "for db in couch('GET','/_all_dbs')}))")


# Every document (design documents aside: pre-indexing adds the new release's as
# _design/:staged:NAME, and CHT's API its own) with its revision, in the test's databases.
DOCS = (f"print(json.dumps({{db: sorted([r['id'], r['value']['rev']] for r in "
        f"couch('GET','/'+db+'/_all_docs')['rows'] if not r['id'].startswith('_design/')) "
        f"for db in {list(DATABASES)!r} if db in couch('GET','/_all_dbs')}}))")


def counts_3x(password: str) -> dict[str, int]:
    return dict(in_couchdb("medic-os", 5985, password, COUNTS))


def counts_new(password: str) -> dict[str, int]:
    return dict(in_couchdb("cht-couchdb-1", 5984, password, COUNTS))


def documents(container: str, port: int, password: str) -> dict[str, list[list[str]]]:
    return dict(in_couchdb(container, port, password, DOCS))


def served() -> tuple[str, str]:
    """(sha256 of the certificate served on 443, the version /api/info says)."""
    import socket

    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=HOSTNAME) as tls:
            der = tls.getpeercert(binary_form=True) or b""
            tls.sendall(f"GET /api/info HTTP/1.1\r\nHost: {HOSTNAME}\r\nConnection: close"
                        "\r\n\r\n".encode())
            reply = b""
            while chunk := tls.recv(65536):
                reply += chunk
    body = reply.partition(b"\r\n\r\n")[2]
    try:
        version = str(json.loads(body).get("version"))
    except ValueError:
        version = ""
    return hashlib.sha256(der).hexdigest(), version


def cookie_sign_in(password: str) -> None:
    """medic signs in with a cookie, as CHT's web app does (CouchDB makes its secret)."""
    import socket

    body = json.dumps({"name": "medic", "password": password})
    request = (f"POST /_session HTTP/1.1\r\nHost: {HOSTNAME}\r\nContent-Type: "
               f"application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
               + body)
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with phone_context().wrap_socket(raw, server_hostname=HOSTNAME) as tls:
            tls.sendall(request.encode())
            assert b" 200 " in tls.recv(65536).split(b"\r\n", 1)[0]


def couchdb_settings_3x(password: str) -> tuple[str, str]:
    """(secret, uuid) as medic-os's CouchDB has them."""
    found = in_couchdb("medic-os", 5985, password, (
        "n='/_node/couchdb@127.0.0.1/_config'\n"
        "print(json.dumps([couch('GET',n+'/couch_httpd_auth/secret'),"
        "couch('GET',n+'/couchdb/uuid')]))"))
    return str(found[0]), str(found[1])


def migrate(root: Path, *args: str) -> tuple[int, str]:
    run = cht_install("migrate", "--root", str(root), *args)
    return run.returncode, run.output


@pytest.fixture(scope="module")
def site(fresh_install: Installed, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[dict[str, Any]]:
    """A 3.x site (Docker from Docker's repository, the build server's mirror in its
    answers) with documents and a cookie sign-in; afterwards Docker is purged and the
    shared 3.x install made again."""
    purge()
    root = tmp_path_factory.mktemp("migrate")
    first = cht_install("--yes", "--registry", "127.0.0.1:5000", "--root", str(root),
                        "--hostname", HOSTNAME, "--accept-warnings", "--docker-source",
                        "distro")
    assert first.returncode == 0, first.output
    # Debian 12's docker-compose is v1 and CHT 5 needs v2: the migration's plan says so
    # (blocked, with the fix), and the fix (Docker's repository in the answers) adds only
    # Docker's compose plugin beside the engine, during the migration. The build server's
    # mirror goes into the answers the same way.
    code, out = migrate(root, "--to", NEW)
    assert code == 2 and "Compose version 2" in out and "--docker-source official" in out, out
    answered = cht_install("--yes", "--root", str(root), "--docker-source", "official",
                           "--docker-repo-url", APT_REPO, "--docker-key-fingerprint",
                           good_fingerprint(), "--builds-url", BUILDS, "--upgrade-service-url",
                           UPGRADE_COMPOSE)
    assert answered.returncode == 0 and "Nothing needed repair" in answered.output, \
        answered.output
    password = password_of(root)
    in_couchdb("medic-os", 5985, password, (
        f"for db in {list(DATABASES)!r}:\n"
        " couch('PUT','/'+db)\n"
        " couch('PUT','/'+db+'/marker',{'type':'marker','value':'precious'})\n"
        " couch('POST','/'+db+'/_bulk_docs',{'docs':[{'_id':f'doc-{i}','type':'person',"
        "'n':i} for i in range(150)]})\n"
        "print(1)"))
    cookie_sign_in(password)
    secret, uuid = couchdb_settings_3x(password)
    assert secret and uuid
    yield {"root": root, "password": password, "counts": counts_3x(password),
           "documents": documents("medic-os", 5985, password),
           "secret": secret, "uuid": uuid, "certificate": served()[0]}
    purge()
    back = cht_install("--yes", "--root", str(fresh_install.root))
    assert back.returncode == 0, back.output


def test_the_plan_is_shown_first_and_changes_nothing(site: dict[str, Any]) -> None:
    root = site["root"]
    code, out = migrate(root, "--to", NEW, "--dry-run")
    assert code == 0, out
    assert f"the plan from CHT {OLD} to {NEW} (nothing is changed)" in out
    for said in ("would make a backup of CHT 3.x's data", "would run CHT's data migration "
                 "tool: get-env", "would run: docker stop haproxy", "would copy: /var/lib/"
                 "docker/volumes/medic-data/_data/storage/medic-core/couchdb/data -> "
                 f"{root}/opt/cht/couchdb (the source is only read)",
                 "would run CHT's data migration tool: check-couchdb-up, move-node, verify"):
        assert said in out, said
    assert not (root / NOTE).exists()
    assert client().containers.get("medic-os").status == "running"
    code, out = migrate(root, "--to", "4.1.1")
    assert code == 2 and "4.0.0 to 4.1.1 fail after a migration" in out, out
    code, out = migrate(root, "--finish")
    assert code == 2 and "no migration is under way here" in out, out


def test_a_3x_site_moves_with_its_data_password_secret_uuid_and_certificate(
        site: dict[str, Any]) -> None:
    root, password = site["root"], site["password"]
    code, out = migrate(root, "--to", NEW)
    assert code == 0, out
    assert f"CHT {NEW} serves the 3.x site at https://{HOSTNAME}/" in out
    certificate, version = served()
    assert (certificate, version) == (site["certificate"], NEW)
    assert signs_in(password)
    env = dict(line.split("=", 1) for line in
               (root / "opt/cht/upgrade-service/.env").read_text().splitlines()
               if "=" in line and not line.startswith("#"))
    assert (env["COUCHDB_SECRET"], env["COUCHDB_UUID"], env["COUCHDB_PASSWORD"]) == (
        site["secret"], site["uuid"], password)
    after = counts_new(password)
    assert all(after[db] >= count for db, count in site["counts"].items()), after
    assert documents("cht-couchdb-1", 5984, password) == site["documents"]
    assert len(site["documents"]["medic"]) == 151
    assert yaml.safe_load((root / "etc/cht-install/answers.yml").read_text())[
        "cht_version"] == NEW
    note = root / NOTE
    assert note.stat().st_mode & 0o777 == 0o600
    assert json.loads(note.read_text())["phase"] == "migrated"
    for text in (out, (root / "var/log/cht-install.log").read_text()):
        assert site["secret"] not in text and password not in text
    assert client().volumes.get("medic-data")  # 3.x's data: kept, only read
    run = cht_install("doctor", "--json", "--root", str(root))
    report = json.loads(run.output)
    assert not not_ok(report), not_ok(report)
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0 and "Nothing needed repair" in again.output, again.output
    code, out = migrate(root)
    assert code == 0 and "was migrated to CHT 5.0.2 here" in out, out


def test_back_returns_the_3x_site_as_it_was(site: dict[str, Any]) -> None:
    root, password = site["root"], site["password"]
    code, out = migrate(root, "--back")
    assert code == 0, out
    assert f"CHT {OLD} serves again at https://{HOSTNAME}/" in out
    assert served() == (site["certificate"], OLD)
    assert documents("medic-os", 5985, password) == site["documents"]
    assert couchdb_settings_3x(password) == (site["secret"], site["uuid"])
    assert yaml.safe_load((root / "etc/cht-install/answers.yml").read_text())[
        "cht_version"] is None
    names = {container.name for container in client().containers.list(all=True)}
    assert {"medic-os", "haproxy"} <= names and not any(n.startswith("cht-") for n in names)
    again = cht_install("--yes", "--root", str(root))
    assert again.returncode == 0, again.output


def test_on_the_screens_a_dropped_link_leaves_the_migration_going(
        site: dict[str, Any]) -> None:
    """The screens: the plan, m and a yes; the terminal closed mid-way (a dropped SSH link)
    leaves the migration going in its worker; `cht-install migrate` follows it again to
    its end, whose words say how to finish or go back. Then back to 3.x (for the kills)."""
    root, password = site["root"], site["password"]
    command = f"cd {REPO} && {sys.executable} -m installer.cli migrate --root {root} --to {NEW}"
    term = Tmux(command)
    try:
        shown = term.wait_for("Press m to migrate", 120)
        assert f"Moving CHT {OLD} to {NEW}" in shown and "Traceback" not in shown
        term.keys("m")
        term.wait_for(f"Migrate to CHT {NEW} now?", 10)
        term.keys("y")
        term.wait_for("[ .. ]", 60)
        holder = RunLock.holder(Paths.under(root).lock)
        assert holder is not None
        os.kill(holder.pid, signal.SIGSTOP)  # held, so that it is still going when followed
    finally:
        term.close()  # the link drops: the screens go
    term = Tmux(command)
    try:
        os.kill(holder.pid, 0)  # the worker is still there
        shown = term.wait_for("Leave (migration goes on)", 60)
        assert "Press m" not in shown  # straight to the run in progress
        os.kill(holder.pid, signal.SIGCONT)
        shown = term.wait_for(f"CHT {NEW} serves the 3.x site, proven.", 600)
        assert "[FAIL]" not in shown, shown
        term.keys("Enter")
        shown = term.wait_for("--finish", 30)
        assert f"CHT {NEW} serves the 3.x site at https://{HOSTNAME}/" in shown, shown
        term.keys("q")
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        term.close()
    assert served() == (site["certificate"], NEW)
    assert documents("cht-couchdb-1", 5984, password) == site["documents"]
    code, out = migrate(root, "--back")
    assert code == 0, out


def test_a_migration_killed_at_each_step_converges_then_finishes(
        site: dict[str, Any]) -> None:
    root, password = site["root"], site["password"]
    rng = random.Random(KILL_SEED)
    tally = [f"seed {KILL_SEED}"]
    for step, length in KILLS:
        delay = round(rng.uniform(0, length), 3)
        landed = killed_in(root, ["migrate", "--to", NEW], step, delay)
        tally.append(f"  kill {delay:6.3f} s into {step:<20} landed in {landed}")
    print("\n".join(tally))
    code, out = migrate(root)
    assert code == 0, out
    assert ("A migration to CHT 5.0.2 was started here: going on with it." in out
            or "was migrated to CHT 5.0.2 here" in out), out
    assert served() == (site["certificate"], NEW)
    assert documents("cht-couchdb-1", 5984, password) == site["documents"]
    assert signs_in(password)
    backups = sorted((root / "var/backups/cht").glob("cht-backup-*.tar.gz"))
    code, out = migrate(root, "--finish")
    assert code == 0, out
    names = {container.name for container in client().containers.list(all=True)}
    assert not {"medic-os", "haproxy"} & names
    assert client().volumes.get("medic-data")  # kept, and said how to remove it
    assert "docker volume rm medic-data" in out
    assert sorted((root / "var/backups/cht").glob("cht-backup-*.tar.gz")) == backups
    assert served()[1] == NEW
    code, out = migrate(root, "--back")
    assert code == 2 and "the migration was finished" in out, out
    code, out = migrate(root)
    assert code == 2 and "runs CHT's current line already" in out, out


def free_bytes(disk: Path) -> int:
    found = os.statvfs(disk)
    return found.f_bavail * found.f_frsize


def fill(disk: Path, keep: int) -> None:
    """Files (``filler-N``) that take ``disk``'s free space but ``keep`` bytes (whole pages),
    allocated FILL_CHUNK at most at a time."""
    for number in range(free_bytes(disk) // FILL_CHUNK + 1):
        left = free_bytes(disk) - keep
        if left <= 0:
            break
        with (disk / f"filler-{number}").open("wb") as out:
            os.posix_fallocate(out.fileno(), 0, min(left, FILL_CHUNK))
    assert free_bytes(disk) == keep, (free_bytes(disk), keep)


def free(disk: Path) -> None:
    """The fillers ``fill`` made, removed."""
    for filler in disk.glob("filler-*"):
        filler.unlink()


def room_for_half(source: Path) -> int:
    """Bytes (whole pages) for about half of a copy of ``source`` on a tmpfs: a copy of it
    runs out of space midway."""
    pages = sum(-(-path.stat().st_size // PAGE) for path in source.rglob("*")
                if path.is_file() and not path.is_symlink())
    assert pages >= 2, f"{source} holds too little to fill half of it"
    return pages // 2 * PAGE


def journaled_at(root: Path, offset: int, run: subprocess.Popen[str], event: str,
                 step_id: str, within: float) -> None:
    """Poll (every 5 ms) the journal's whole lines from ``offset`` on until one says
    ``event`` of ``step_id``; the test fails if the run ends first or ``within`` seconds
    pass."""
    journal = root / JOURNAL
    deadline = time.monotonic() + within
    while True:
        with journal.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        whole = data[: data.rfind(b"\n") + 1]
        for line in whole.splitlines():
            entry = json.loads(line)
            if entry.get("event") == event and entry.get("step_id") == step_id:
                return
        offset += len(whole)
        if run.poll() is not None:
            pytest.fail(f"the migration ended (code {run.returncode}) before {event} of "
                        f"{step_id}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {event} of {step_id} within {within:.0f} s")
        time.sleep(0.005)


def stopped(pid: int, within: float = 10) -> None:
    """Poll until process ``pid`` is stopped (a SIGSTOP delivered)."""
    deadline = time.monotonic() + within
    while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
        assert time.monotonic() < deadline, f"process {pid} did not stop"
        time.sleep(0.001)


def test_a_full_disk_during_the_copy_stops_it_cleanly_then_it_completes(
        site: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    """3.x's data in a folder on a disk of its own (a tmpfs), the copy going beside it: the
    migration is stopped (SIGSTOP) as the copy's step starts, the disk filled but for half
    of the copy, the migration let go: the copy fails on a full disk, nothing of it is
    left and 3.x serves again; with the space back, the migration completes. (The last
    test here: it purges Docker; the module's end makes the shared install again.)"""
    purge()
    root = tmp_path_factory.mktemp("full")
    disk = root / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6g", "tmpfs", str(disk)],
                   check=True)
    try:
        answers = root / "answers.yml"
        answers.write_text(yaml.safe_dump({"data": str(disk / "cht")}))
        first = cht_install("--yes", "--answers", str(answers), "--registry",
                            "127.0.0.1:5000", "--root", str(root), "--hostname", HOSTNAME,
                            "--accept-warnings", "--docker-source", "official",
                            "--docker-repo-url", APT_REPO, "--docker-key-fingerprint",
                            good_fingerprint(), "--builds-url", BUILDS,
                            "--upgrade-service-url", UPGRADE_COMPOSE)
        assert first.returncode == 0, first.output
        password = password_of(root)
        in_couchdb("medic-os", 5985, password, (
            "couch('PUT','/medic')\n"
            "couch('POST','/medic/_bulk_docs',{'docs':[{'_id':f'doc-{i}'} for i in range(50)]})\n"
            "print(1)"))
        before = documents("medic-os", 5985, password)
        copy, partial = disk / "cht-couchdb", disk / "cht-couchdb.partial"
        offset = (root / JOURNAL).stat().st_size
        output = root / "migrate.out"
        started = time.monotonic()
        with output.open("w") as out:  # a file, not a pipe: nothing to read while it runs
            run = subprocess.Popen(
                [sys.executable, "-m", "installer.cli", "migrate", "--root", str(root),
                 "--to", NEW], stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            # StepStarted comes before the step's check: stopped there, the copy has not
            # begun.
            journaled_at(root, offset, run, "StepStarted", "migrate.copy", 900)
            os.killpg(run.pid, signal.SIGSTOP)
            stopped(run.pid)
            assert not partial.exists(), "the copy began before the migration was stopped"
            source = Path(json.loads((root / NOTE).read_text())["source"])
            fill(disk, room_for_half(source))
            os.killpg(run.pid, signal.SIGCONT)
            journaled_at(root, offset, run, "StepFailed", "migrate.copy", 300)
            free(disk)  # 3.x, started again on this disk, needs room
            code = run.wait(timeout=900)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
        said = output.read_text()
        print(said)
        print(f"full-disk migration: {time.monotonic() - started:.1f} s")
        assert code == 1, said
        assert f"the disk holding {disk} is full" in said, said
        assert "CHT 3.x is started again" in said, said
        assert served()[1] == OLD
        assert documents("medic-os", 5985, password) == before
        assert not partial.exists()
        assert not (copy.exists() and any(copy.iterdir())), list(copy.iterdir())
        code, said = migrate(root)
        assert code == 0, said
        assert served()[1] == NEW
        assert documents("cht-couchdb-1", 5984, password) == before
    finally:
        try:
            purge()
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)
