"""Which steps run, in which order, for these answers."""

from __future__ import annotations

from installer.answers import InstallConfig
from installer.step import Step
from installer.steps.acme import TlsChallengeLocation, TlsRenewal
from installer.steps.admin_account import AdminPassword
from installer.steps.current_stack import (
    CurrentComposeFiles,
    CurrentServicesRunning,
    NoOtherLine,
)
from installer.steps.docker import (
    ComposeAvailable,
    DockerEnabledAtBoot,
    DockerGroup,
    DockerInstalled,
    DockerRepository,
    DockerRunning,
    PackagesReady,
)
from installer.steps.hardware import HardwareEnough
from installer.steps.images import ImagesPulled
from installer.steps.os_support import OsSupported
from installer.steps.post_setup import CompleteInstall, UnneededServices
from installer.steps.schedules import BackupScheduled, HealthCheckScheduled
from installer.steps.stack import ChtRunning, ComposeFile
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
    if config.line == "current":
        # CHT's own layout and services; medic-os's post-setup steps do not apply.
        return [OsSupported(), NoOtherLine(), HardwareEnough(), *docker_steps(),
                CurrentComposeFiles(), ImagesPulled(), CurrentServicesRunning(),
                *tls_steps(), AdminPassword(), *care_steps()]
    return [OsSupported(), HardwareEnough(), *docker_steps(), ComposeFile(), ImagesPulled(),
            ChtRunning(), *tls_steps(), CompleteInstall(), UnneededServices(), AdminPassword(),
            *care_steps()]
