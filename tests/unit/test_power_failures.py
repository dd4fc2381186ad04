"""What the "Restarts" and "Power failures" Considerations claim, and that they are done
only when each part was checked: Docker enabled at boot, every container's restart policy,
and CHT's data on a filesystem that comes back consistent after a power cut (the
filesystems' answers are the real tools' output: findmnt's format, and dumpe2fs run on
real ext2 and ext4 images made here)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from installer.considerations import checklist
from installer.doctor_checks import Check, journaled_check, restart_policy_check
from installer.filesystems import holder
from installer.host import CommandResult
from installer.paths import Paths
from installer.step import Status, ok, warning
from tests.fakehost import FakeContainer, FakeHost, context

DATA = Path("/var/lib/docker/volumes/medic-data/_data")


def answered(argv: list[str], out: str = "", code: int = 0) -> CommandResult:
    return CommandResult(argv, code, out, "" if code == 0 else f"{argv[0]}: failed")


def mounted(fstype: str, source: str) -> dict[tuple[str, ...], CommandResult]:
    """findmnt's answer as it prints it (--pairs), for the data's folder."""
    return {("findmnt",): answered(["findmnt"], f'FSTYPE="{fstype}" SOURCE="{source}"\n')}


def real_ext_image(tmp_path: Path, *mkfs: str) -> str:
    """dumpe2fs -h's real header of a small image made with ``mkfs``."""
    image = tmp_path / "disk.img"
    subprocess.run(["truncate", "-s", "8M", str(image)], check=True)
    subprocess.run([*mkfs, "-q", "-F", str(image)], check=True, capture_output=True)
    return subprocess.run(["dumpe2fs", "-h", str(image)], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize(("mkfs", "survives"), [
    (["mkfs.ext4"], True),
    (["mkfs.ext4", "-O", "^has_journal"], False),
    (["mkfs.ext2"], False),
])
def test_an_ext_filesystem_is_judged_by_its_own_header(
        tmp_path: Path, mkfs: list[str], survives: bool) -> None:
    header = real_ext_image(tmp_path, *mkfs)
    fstype = "ext2" if mkfs == ["mkfs.ext2"] else "ext4"
    host = FakeHost(commands={**mounted(fstype, "/dev/sda1"),
                              ("dumpe2fs", "-h", "/dev/sda1"): answered(["dumpe2fs"], header)})
    found = holder(host, DATA)
    assert found is not None and found.survives is survives
    check = journaled_check(context(host, tmp_path), DATA)
    if survives:
        assert check.finding.ok and "ext4 on /dev/sda1, which keeps a journal" in \
            check.finding.reason
    else:
        assert check.finding.status is Status.WARNING
        assert "sudo tune2fs -j /dev/sda1" in check.finding.fix


def test_an_unreadable_header_falls_back_to_the_kernels_running_journals(
        tmp_path: Path) -> None:
    commands = {**mounted("ext4", "/dev/vda"),
                ("dumpe2fs",): answered(["dumpe2fs"], code=1)}
    host = FakeHost(commands={**commands, ("ls", "/proc/fs/jbd2"): answered(["ls"], "vda-8\n")})
    found = holder(host, DATA)
    assert found is not None and found.survives is True
    # no journal of that device running, and no header: not claimed either way
    host = FakeHost(commands={**commands, ("ls", "/proc/fs/jbd2"): answered(["ls"], "sdb1-8\n")})
    found = holder(host, DATA)
    assert found is not None and found.survives is None
    check = journaled_check(context(host, tmp_path), DATA)
    assert check.finding.status is Status.WARNING
    assert "could not read whether it keeps a journal" in check.finding.reason
    assert "sudo dumpe2fs -h /dev/vda | grep features" in check.finding.fix


@pytest.mark.parametrize(("fstype", "source", "status", "words"), [
    ("xfs", "/dev/mapper/vg-data", Status.OK, "xfs on /dev/mapper/vg-data, which keeps a journal"),
    ("btrfs", "/dev/sda2[/@]", Status.OK, "btrfs on /dev/sda2, which copies on write"),
    ("tmpfs", "tmpfs", Status.BROKEN, "a power cut or a reboot empties it"),
    ("vfat", "/dev/sdb1", Status.BROKEN, "keeps no journal"),
    ("nfs4", "server:/export", Status.WARNING, "cannot tell how it survives a power cut"),
])
def test_other_filesystems_by_their_type(tmp_path: Path, fstype: str, source: str,
                                         status: Status, words: str) -> None:
    host = FakeHost(commands=mounted(fstype, source))
    check = journaled_check(context(host, tmp_path), DATA)
    assert check.finding.status is status and words in check.finding.reason
    if status is not Status.OK:
        assert "ext4 or xfs" in check.finding.fix and "data" in check.finding.fix


def test_a_path_findmnt_cannot_place_is_not_claimed(tmp_path: Path) -> None:
    host = FakeHost(commands={("findmnt",): answered(["findmnt"], code=1)})
    check = journaled_check(context(host, tmp_path), DATA)
    assert check.finding.status is Status.WARNING and "findmnt could not say" in \
        check.finding.reason


def policy(name: str) -> FakeContainer:
    return FakeContainer("x", attrs={"State": {"Running": True},
                                     "HostConfig": {"RestartPolicy": {"Name": name}}})


def test_the_restart_policy_of_every_container_is_read(tmp_path: Path) -> None:
    listed = {("docker", "ps"): answered(["docker"], "medic-os\nhaproxy\n")}
    host = FakeHost(commands=listed, containers={"medic-os": policy("always"),
                                                 "haproxy": policy("always")})
    check = restart_policy_check(context(host, tmp_path))
    assert check.finding.ok and check.finding.reason == "all 2 restart always"
    host.containers["haproxy"] = policy("")
    check = restart_policy_check(context(host, tmp_path))
    assert check.finding.status is Status.BROKEN
    assert check.finding.reason == "haproxy restarts 'no'"
    assert "compose files" in check.finding.fix
    assert restart_policy_check(context(FakeHost(docker_version=None), tmp_path)) \
        .finding.status is Status.NEEDED
    assert restart_policy_check(context(FakeHost(), tmp_path)).finding.status is Status.NEEDED


def test_the_current_lines_containers_are_its_projects(tmp_path: Path) -> None:
    names = "cht-api-1\ncht-couchdb-1\n"
    host = FakeHost(commands={("docker", "ps"): answered(["docker"], names)},
                    containers={"cht-api-1": policy("always"),
                                "cht-couchdb-1": policy("unless-stopped")})
    check = restart_policy_check(context(host, tmp_path, cht_version="5.2.0"))
    assert check.finding.ok and check.finding.reason == "all 2 restart unless stopped by hand"


def considered(tmp_path: Path, **found: Check) -> dict[str, tuple[str, str]]:
    rows = [{"id": "docker.enabled-at-boot", "status": "ok", "reason": "enabled"},
            {"id": "cht.running", "status": "ok", "reason": "running"}]
    report: dict[str, object] = {
        "steps": [row for row in rows if row["id"] not in found],
        "checks": [check.as_dict() for check in found.values()]}
    return {item.topic: (item.status, item.text)
            for item in checklist(report, Paths.under(tmp_path), "self-signed")}


def test_power_failures_is_done_only_when_each_part_was_checked(tmp_path: Path) -> None:
    policy_ok = Check("cht.restart-policy", "t", ok("all 2 restart always"))
    journal_ok = Check("data.journaled", "t", ok(f"{DATA} is on ext4 on /dev/vda1, which "
                                                 "keeps a journal"))
    items = considered(tmp_path, policy=policy_ok, journal=journal_ok)
    assert items["Restarts"][0] == "ok"
    assert items["Power failures"] == (
        "ok", "after a power cut Docker starts at boot, the containers restart, and CHT's "
        f"data is on a filesystem that comes back consistent: {DATA} is on ext4 on "
        "/dev/vda1, which keeps a journal")
    # not checked (no row): not done, and says so
    items = considered(tmp_path, policy=policy_ok)
    assert items["Power failures"] == ("needed", "not verified: data.journaled: not checked")
    assert items["Restarts"][0] == "ok"
    # a journal-less disk: power failures to do with the fix, restarts still done
    no_journal = Check("data.journaled", "t", warning("on ext2", "tune2fs -j /dev/sda1"))
    items = considered(tmp_path, policy=policy_ok, journal=no_journal)
    assert items["Power failures"] == (
        "warning", "not verified: on ext2 (to do: tune2fs -j /dev/sda1)")
    assert items["Restarts"][0] == "ok"
    # a container that does not restart: both to do, naming it
    wrong = Check("cht.restart-policy", "t", warning("haproxy restarts 'no'", "run it"))
    items = considered(tmp_path, policy=wrong, journal=journal_ok)
    assert items["Restarts"][1] == "not verified: haproxy restarts 'no' (to do: run it)"
    assert items["Power failures"][1] == items["Restarts"][1]
