"""The steps every CHT line shares, in their groups (each line's plan puts them in order)."""

from __future__ import annotations

from installer.step import Step
from installer.steps.acme import TlsChallengeLocation, TlsRenewal
from installer.steps.care import BackupScheduled, HealthCheckScheduled
from installer.steps.docker import (
    ComposeAvailable,
    DockerEnabledAtBoot,
    DockerGroup,
    DockerInstalled,
    DockerProxy,
    DockerRepository,
    DockerRunning,
    PackagesReady,
)
from installer.steps.tls import TlsCertificate, TlsInstalled
from installer.steps.updates import AutomaticUpdates
from installer.steps.verify import AnswersHttps


def docker_steps() -> list[Step]:
    """Docker and compose, the same way for every CHT line."""
    return [PackagesReady(), DockerRepository(), DockerInstalled(), DockerProxy(),
            DockerRunning(), DockerEnabledAtBoot(), DockerGroup(), ComposeAvailable()]


def tls_steps() -> list[Step]:
    """The certificate, in the line's web server, renewed, and proven on the wire."""
    return [TlsChallengeLocation(), TlsCertificate(), TlsInstalled(), TlsRenewal(),
            AnswersHttps()]


def care_steps() -> list[Step]:
    """What keeps CHT safe once it runs: backups, alerts, the OS's security updates."""
    return [BackupScheduled(), HealthCheckScheduled(), AutomaticUpdates()]
