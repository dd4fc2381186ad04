"""hardware.enough: memory, CPUs, disk size and free space, SSD, root, against CHT's needs."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import psutil

from installer.host import Host
from installer.host.docker_api import docker_errors
from installer.lines import GB, GIB, Floors
from installer.platform import SUPPORTED_ARCHES, Platform
from installer.step import Context, Finding, Status, StepError, blocked, ok, warning

RAM_SLACK = 0.5 * GIB  # a "4 GB" VM reports about 3.8 GiB once the kernel has its share
DISK_SLACK = 0.9  # file-system overhead: a 50 GB disk shows about 49 GB
IMAGES_SPACE = 4 * GB  # room the two images need once unpacked
GROWTH_SPACE = 20 * GB
# Every size on screen is in decimal GB (as disks and cloud providers sell them).
DOCKER_ROOT = Path("/var/lib/docker")


@dataclass(frozen=True)
class DiskFacts:
    """One file system the install depends on."""

    label: str
    path: str
    total: int
    free: int
    rotational: bool | None


@dataclass(frozen=True)
class HardwareFacts:
    memory: int
    cpus: int
    disks: tuple[DiskFacts, ...]
    root: bool
    arch: str


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    need: str
    status: Status
    reason: str
    fix: str = ""


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def is_rotational(host: Host, path: Path) -> bool | None:
    """The rotational flag of the block device under ``path``; None when unknown."""
    device = os.stat(path).st_dev
    sys_dev = Path(f"/sys/dev/block/{os.major(device)}:{os.minor(device)}")
    for candidate in (sys_dev / "queue/rotational", sys_dev / "../queue/rotational"):
        text = host.read_text(candidate)
        if text is not None and text.strip() in ("0", "1"):
            return text.strip() == "1"
    return None


def docker_root(ctx: Context) -> Path:
    """Where Docker keeps images and named volumes."""
    client = ctx.host.docker()
    if client is not None:
        try:
            return Path(client.info()["DockerRootDir"])
        except docker_errors(KeyError):
            pass
    return DOCKER_ROOT


def disk(host: Host, label: str, path: Path) -> DiskFacts:
    where = _existing(path)
    usage = psutil.disk_usage(str(where))
    return DiskFacts(label, str(where), usage.total, usage.free, is_rotational(host, where))


def gather(ctx: Context) -> HardwareFacts:
    """Facts of this machine: the disk under Docker's root, and CHT's data path when it
    is a host path on another file system."""
    docker = _existing(docker_root(ctx))
    disks = [disk(ctx.host, "Docker and CHT data" if ctx.config.data == "volume"
                  else "Docker data", docker)]
    if ctx.config.data != "volume":
        data = _existing(Path(ctx.config.data))
        if os.stat(data).st_dev != os.stat(docker).st_dev:
            disks.append(disk(ctx.host, "CHT data", data))
        else:
            disks[0] = replace(disks[0], label="Docker and CHT data")
    return HardwareFacts(
        memory=psutil.virtual_memory().total,
        cpus=os.cpu_count() or 1,
        disks=tuple(disks),
        root=os.geteuid() == 0,
        arch=ctx.platform.arch,
    )


def assess_disk(facts: DiskFacts, name: str, floors: Floors) -> list[Check]:
    """Size, free space and type of one disk (``name`` prefixes the check names)."""
    checks: list[Check] = []
    size = facts.total / GB
    where = facts.path
    need = f"{floors.disk / GB:.0f} GB"
    if facts.total >= floors.disk * DISK_SLACK:
        checks.append(Check(f"{name}size", f"{size:.0f} GB", need, Status.OK, where))
    else:
        checks.append(Check(
            f"{name}size", f"{size:.0f} GB", need, Status.WARNING,
            f"the disk holding {where} is {size:.0f} GB; {floors.line} needs {need} for its "
            "data to grow",
            f"Grow the disk under {where} to {need} or more, or mount a larger one there.",
        ))
    free = facts.free / GB
    if facts.free < IMAGES_SPACE:
        checks.append(Check(
            f"{name}free", f"{free:.1f} GB", "4 GB", Status.BLOCKED,
            f"only {free:.1f} GB free under {where}; the CHT images need about 4 GB",
            f"Free space under {where} (e.g. `apt-get clean`, remove old files) and re-run.",
        ))
    elif facts.free < GROWTH_SPACE:
        checks.append(Check(
            f"{name}free", f"{free:.1f} GB", "20 GB", Status.WARNING,
            f"{free:.1f} GB free under {where}; little room for CHT's data to grow",
            f"Free space or grow the disk under {where}.",
        ))
    else:
        checks.append(Check(f"{name}free", f"{free:.0f} GB", "20 GB", Status.OK, "room to grow"))
    if facts.rotational is None:
        checks.append(Check(f"{name}type", "unknown", "SSD", Status.OK,
                            "could not tell; SSD preferred"))
    elif facts.rotational:
        checks.append(Check(
            f"{name}type", "spinning", "SSD", Status.WARNING,
            f"the disk under {where} is a spinning disk (HDD); CHT's database is faster on "
            "SSD",
            "Use an SSD-backed disk if your provider offers one, or accept this warning.",
        ))
    else:
        checks.append(Check(f"{name}type", "SSD", "SSD", Status.OK, "solid-state disk"))
    return checks


def assess(facts: HardwareFacts, floors: Floors) -> list[Check]:
    """Verdicts against the chosen CHT line's requirements (pure)."""
    checks: list[Check] = []
    memory = facts.memory / GB
    need = f"{floors.memory / GIB:.0f} GB"
    if facts.memory >= floors.memory - RAM_SLACK:
        checks.append(Check("Memory", f"{memory:.1f} GB", need, Status.OK, "enough memory"))
    else:
        checks.append(Check(
            "Memory", f"{memory:.1f} GB", need, Status.WARNING,
            f"{memory:.1f} GB of memory; {floors.line} needs {need} and may be slow or stop",
            f"Give the server at least {need} of memory (resize the VM), or accept the risk.",
        ))
    if facts.cpus >= floors.cpus:
        checks.append(Check("CPUs", str(facts.cpus), str(floors.cpus), Status.OK,
                            "enough CPUs"))
    else:
        checks.append(Check(
            "CPUs", str(facts.cpus), str(floors.cpus), Status.WARNING,
            f"{facts.cpus} CPU; {floors.line} needs {floors.cpus}",
            f"Give the server at least {floors.cpus} CPUs (resize the VM), or accept the risk.",
        ))
    for index, one in enumerate(facts.disks):
        checks += assess_disk(one, "Disk " if index == 0 else "Data disk ", floors)
    if facts.root:
        checks.append(Check("Root access", "yes", "root", Status.OK, "running as root"))
    else:
        checks.append(Check(
            "Root access", "no", "root", Status.BLOCKED,
            "cht-install must run as root to install Docker and write its files",
            "Run it again with sudo: `sudo cht-install`.",
        ))
    if facts.arch not in SUPPORTED_ARCHES:
        checks.append(Check(
            "Processor", facts.arch, "x86_64/aarch64", Status.BLOCKED,
            f"{facts.arch} is not supported by the CHT images",
            "Use a 64-bit x86 or ARM server.",
        ))
    return checks


def summarize(checks: list[Check]) -> Finding:
    worst = [c for c in checks if c.status is Status.BLOCKED] or [
        c for c in checks if c.status is Status.WARNING
    ]
    if not worst:
        return ok("; ".join(f"{c.name.lower()} {c.value}" for c in checks[:4]))
    reason = "; ".join(c.reason for c in worst)
    fix = " ".join(c.fix for c in worst)
    return (blocked if worst[0].status is Status.BLOCKED else warning)(reason, fix)


def checks_for(ctx: Context, platform: Platform) -> list[Check] | None:
    """The hardware table for this machine, or None when planning for another one."""
    if not (ctx.host.live and platform.live):
        return None
    return assess(gather(ctx), ctx.line.floors(ctx.config))


class HardwareEnough:
    """Memory, CPUs, disk and root access meet the line's needs, or the shortfall is accepted."""

    id = "hardware.enough"
    title = "Hardware meets CHT's requirements"

    def probe(self, ctx: Context) -> Finding:
        checks = checks_for(ctx, ctx.platform)
        if checks is None:
            return warning(
                "hardware not checked: this plan is for another machine",
                "Run cht-install on the server itself to check its hardware.",
            )
        return summarize(checks)

    def apply(self, ctx: Context) -> None:
        raise StepError("hardware cannot be changed by the installer")
