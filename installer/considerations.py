"""The Considerations (restarts, backups, disaster recovery, scale, updates, security,
privacy) as a checklist: what the installer did about each, from doctor's findings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from installer.paths import Paths


@dataclass(frozen=True)
class Item:
    topic: str
    status: str  # a status value (ok, warning, needed, broken), said with the vocabulary
    text: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def checklist(report: dict[str, object], paths: Paths, tls_mode: str,
              env: Path | None = None) -> list[Item]:
    listed = [*report["steps"], *report.get("checks", [])]  # type: ignore[misc]
    rows: dict[str, dict[str, object]] = {str(r["id"]): r for r in listed}

    def worst(*ids: str) -> str:
        """The worst status among those rows (a missing row is not checked: needed)."""
        order = ("ok", "warning", "needed", "broken", "blocked")
        found = [str(rows.get(i, {}).get("status", "needed")) for i in ids]
        return max(found, key=lambda status: order.index(status) if status in order else 2)

    def reason(row_id: str) -> str:
        return str(rows.get(row_id, {}).get("reason", "not checked"))

    certificate = {"self-signed": "a self-signed certificate (trust it on each phone)",
                   "own": "your own certificate, chain verified",
                   "letsencrypt": "a Let's Encrypt certificate that renews itself"}[tls_mode]
    backups = worst("data.backup")
    restarts = worst("docker.enabled-at-boot", "cht.running")
    recovery = worst("data.location", "data.backup")
    return [
        Item("Restarts", restarts,
             "Docker starts at boot; the containers restart always (verified)"
             if restarts == "ok" else "not verified: " + reason("docker.enabled-at-boot")),
        Item("Backups", backups,
             reason("data.backup") + ("" if backups == "ok" else ": set up a nightly backup "
                                      "(`cht-install doctor` shows how)")),
        Item("Disaster recovery", recovery,
             f"data: {reason('data.location')}; answers: {paths.answers}. With both and a "
             "backup, cht-install rebuilds CHT on a new server"
             + ("" if recovery == "ok" else " (no recent backup is known yet)")),
        Item("Scale", worst("hardware.enough"), reason("hardware.enough")),
        Item("Updates", worst("os.supported"),
             reason("os.supported") + "; the CHT version is cht_version in the answers"),
        Item("Security", worst("tls.certificate", "tls.installed", "cht.answers-https",
                               "tls.trusted"),
             f"HTTPS with {certificate}; {reason('tls.expiry')}; admin password only in "
             f"{env or paths.env_file} (root only)"),
        Item("Privacy", worst("cht.answers-https"),
             "health data travels only over HTTPS (verified on the wire)"
             if worst("cht.answers-https") == "ok" else reason("cht.answers-https")),
    ]
