"""Hardware verdicts against CHT's requirements, each with a reason and a fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from installer.step import Status
from installer.steps.hardware import GB, GIB, HardwareFacts, assess, summarize

GOOD = HardwareFacts(
    memory=16 * GIB, cpus=4, disk_path="/var/lib/docker", disk_total=100 * GB,
    disk_free=80 * GIB, rotational=False, root=True, arch="x86_64",
)


def verdict(facts: HardwareFacts, name: str) -> Status:
    return next(c.status for c in assess(facts) if c.name == name)


def test_a_machine_meeting_every_requirement_is_ok() -> None:
    checks = assess(GOOD)
    assert {c.status for c in checks} == {Status.OK}
    assert summarize(checks).status is Status.OK


def test_a_4gb_vm_reporting_3_8_gib_counts_as_4_gib() -> None:
    assert verdict(replace(GOOD, memory=int(3.8 * GIB)), "Memory") is Status.OK


@pytest.mark.parametrize(
    ("change", "name", "status"),
    [
        ({"memory": 2 * GIB}, "Memory", Status.WARNING),
        ({"cpus": 1}, "CPUs", Status.WARNING),
        ({"disk_total": 30 * GB}, "Disk size", Status.WARNING),
        ({"disk_free": 10 * GIB}, "Free space", Status.WARNING),
        ({"disk_free": 2 * GIB}, "Free space", Status.BLOCKED),
        ({"rotational": True}, "Disk type", Status.WARNING),
        ({"root": False}, "Root access", Status.BLOCKED),
        ({"arch": "armv7l"}, "Processor", Status.BLOCKED),
    ],
)
def test_each_shortfall_has_its_verdict_and_a_fix(
    change: dict[str, object], name: str, status: Status
) -> None:
    checks = assess(replace(GOOD, **change))  # type: ignore[arg-type]
    check = next(c for c in checks if c.name == name)
    assert check.status is status
    assert check.reason and check.fix


def test_blocked_outranks_warnings_in_the_summary() -> None:
    finding = summarize(assess(replace(GOOD, memory=GIB, root=False)))
    assert finding.status is Status.BLOCKED
    assert "sudo" in finding.fix
    assert "root" in finding.reason


def test_a_disk_of_unknown_type_is_not_held_against_the_machine() -> None:
    assert verdict(replace(GOOD, rotational=None), "Disk type") is Status.OK
