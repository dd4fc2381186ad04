"""Where the installer keeps its files on the server; one prefix moves them all (tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    answers: Path
    tls_dir: Path
    cht_dir: Path
    journal: Path
    log: Path
    lock: Path
    dockerd_log: Path
    cron_file: Path
    systemd_dir: Path
    root: Path

    @property
    def compose_file(self) -> Path:
        return self.cht_dir / "docker-compose.yml"

    @property
    def env_file(self) -> Path:
        return self.cht_dir / ".env"

    @property
    def certificate(self) -> Path:
        return self.tls_dir / "cht.crt"

    @property
    def private_key(self) -> Path:
        return self.tls_dir / "cht.key"

    @property
    def tls_source(self) -> Path:
        """Which tls.mode made the installed certificate."""
        return self.tls_dir / "source"

    @property
    def upgrade_note(self) -> Path:
        """`cht-install upgrade`'s note while an upgrade is under way (from, to, backup)."""
        return self.journal.with_name("upgrade.json")

    @property
    def migration_note(self) -> Path:
        """`cht-install migrate`'s note (0600): the 3.x site's secret, uuid, counts and
        answers, kept from the start until `--finish`."""
        return self.journal.with_name("migration.json")

    @property
    def acme_account_key(self) -> Path:
        return self.answers.parent / "acme" / "account.key"

    @classmethod
    def under(cls, root: Path | str = "/") -> Paths:
        """The standard layout, below ``root`` (``/`` on a real server)."""
        base = Path(root)

        def at(path: str) -> Path:
            return base / path.lstrip("/")

        return cls(
            answers=at("/etc/cht-install/answers.yml"),
            tls_dir=at("/etc/cht-install/tls"),
            cht_dir=at("/opt/cht"),
            journal=at("/var/lib/cht-install/journal.jsonl"),
            log=at("/var/log/cht-install.log"),
            lock=at("/run/cht-install.lock"),
            dockerd_log=Path("/var/log/dockerd.log"),
            cron_file=at("/etc/cron.d/cht-install"),
            systemd_dir=at("/etc/systemd/system"),
            root=base,
        )
