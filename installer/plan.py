"""Which steps run, in which order, for these answers."""

from __future__ import annotations

from installer.answers import InstallConfig
from installer.lines import line_for
from installer.step import Step
from installer.steps.acme import TlsChallengeLocation, TlsRenewal
from installer.steps.docker import (
    ComposeAvailable,
    DockerEnabledAtBoot,
    DockerGroup,
    DockerInstalled,
    DockerRepository,
    DockerRunning,
    PackagesReady,
)
from installer.steps.schedules import BackupScheduled, HealthCheckScheduled
from installer.steps.tls import TlsCertificate, TlsInstalled
from installer.steps.updates import AutomaticUpdates
from installer.steps.verify import AnswersHttps


def docker_steps() -> list[Step]:
    """Docker and compose, the same way for every CHT line."""
    return [PackagesReady(), DockerRepository(), DockerInstalled(), DockerRunning(),
            DockerEnabledAtBoot(), DockerGroup(), ComposeAvailable()]


def tls_steps() -> list[Step]:
    """The certificate, in the line's web server, renewed, and proven on the wire."""
    return [TlsChallengeLocation(), TlsCertificate(), TlsInstalled(), TlsRenewal(),
            AnswersHttps()]


def care_steps() -> list[Step]:
    """What keeps CHT safe once it runs: backups, alerts, the OS's security updates."""
    return [BackupScheduled(), HealthCheckScheduled(), AutomaticUpdates()]


def build_plan(config: InstallConfig) -> list[Step]:
    """Every step of an install of the line the answers choose, in order."""
    return line_for(config).steps()
