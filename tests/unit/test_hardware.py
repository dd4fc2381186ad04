"""Hardware verdicts against CHT's requirements, each with a reason and a fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from installer.answers import InstallConfig
from installer.lines.table import line_for
from installer.step import Status
from installer.steps.hardware import GB, GIB, DiskFacts, HardwareFacts, assess, summarize

CHT3_FLOORS = line_for(InstallConfig()).floors(InstallConfig())  # the default line's floors

DISK = DiskFacts("Docker and CHT data", "/var/lib/docker", 100 * GB, 80 * GIB, False)
GOOD = HardwareFacts(memory=16 * GIB, cpus=4, disks=(DISK,), root=True, arch="x86_64")


def with_disk(**change: object) -> HardwareFacts:
    return replace(GOOD, disks=(replace(DISK, **change),))  # type: ignore[arg-type]


def verdict(facts: HardwareFacts, name: str) -> Status:
    return next(c.status for c in assess(facts, CHT3_FLOORS) if c.name == name)


def test_a_machine_meeting_every_requirement_is_ok() -> None:
    checks = assess(GOOD, CHT3_FLOORS)
    assert {c.status for c in checks} == {Status.OK}
    assert summarize(checks).status is Status.OK


def test_a_4gb_vm_reporting_3_8_gib_counts_as_4_gib() -> None:
    assert verdict(replace(GOOD, memory=int(3.8 * GIB)), "Memory") is Status.OK


@pytest.mark.parametrize(
    ("facts", "name", "status"),
    [
        (replace(GOOD, memory=2 * GIB), "Memory", Status.WARNING),
        (replace(GOOD, cpus=1), "CPUs", Status.WARNING),
        (with_disk(total=30 * GB), "Disk size", Status.WARNING),
        (with_disk(free=10 * GIB), "Disk free", Status.WARNING),
        (with_disk(free=2 * GIB), "Disk free", Status.BLOCKED),
        (with_disk(rotational=True), "Disk type", Status.WARNING),
        (replace(GOOD, root=False), "Root access", Status.BLOCKED),
        (replace(GOOD, arch="armv7l"), "Processor", Status.BLOCKED),
    ],
)
def test_each_shortfall_has_its_verdict_and_a_fix(
    facts: HardwareFacts, name: str, status: Status
) -> None:
    checks = assess(facts, CHT3_FLOORS)
    check = next(c for c in checks if c.name == name)
    assert check.status is status
    assert check.reason and check.fix


def test_blocked_outranks_warnings_in_the_summary() -> None:
    finding = summarize(assess(replace(GOOD, memory=GIB, root=False), CHT3_FLOORS))
    assert finding.status is Status.BLOCKED
    assert "sudo" in finding.fix
    assert "root" in finding.reason


def test_a_disk_of_unknown_type_is_not_held_against_the_machine() -> None:
    assert verdict(with_disk(rotational=None), "Disk type") is Status.OK


def test_a_separate_data_disk_is_checked_too() -> None:
    small = DiskFacts("CHT data", "/srv", 20 * GB, 15 * GIB, False)
    checks = assess(replace(GOOD, disks=(DISK, small)), CHT3_FLOORS)
    data = {c.name: c for c in checks if c.name.startswith("Data disk")}
    assert data["Data disk size"].status is Status.WARNING
    assert "/srv" in data["Data disk size"].reason
    assert verdict(replace(GOOD, disks=(DISK, small)), "Disk size") is Status.OK


def test_the_current_line_has_its_own_production_floor() -> None:
    from installer.answers import InstallConfig
    from installer.lines.table import line_for

    current = InstallConfig(cht_version="5.0.2")
    floors = line_for(current).floors(current)
    assert (floors.memory, floors.cpus, floors.disk) == (8 * GIB, 4, 100 * GB)
    three = HardwareFacts(memory=4 * GIB, cpus=2, disks=(replace(DISK, total=60 * GB),),
                          root=True, arch="x86_64")
    assert {c.status for c in assess(three, CHT3_FLOORS)} == {Status.OK}  # enough for 3.x
    checks = {c.name: c for c in assess(three, floors)}
    for name, needs in (("Memory", "8 GB"), ("CPUs", "4"), ("Disk size", "100 GB")):
        assert checks[name].status is Status.WARNING and checks[name].need == needs, name
        assert "CHT 5.0.2 needs" in checks[name].reason
    assert "at least 4 CPUs" in summarize(list(checks.values())).fix
