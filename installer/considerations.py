"""The Considerations of CHT's hosting guide (alerting, restarts, power failures, backups,
disaster recovery, scale, updates, renewals, security, privacy) as a checklist: each done
only when doctor verified it just now, otherwise to do, with the next step."""

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
              env: Path | None = None, on_screen: bool = False) -> list[Item]:
    """Each Consideration with its verdict; each next step in the screens' words when
    ``on_screen``, else in the answers' and flags' words."""
    listed = [*report["steps"], *report.get("checks", [])]  # type: ignore[misc]
    rows: dict[str, dict[str, object]] = {str(r["id"]): r for r in listed}

    def worst(*ids: str) -> str:
        """The worst status among those rows (a missing row is not checked: needed)."""
        order = ("ok", "warning", "needed", "broken", "blocked")
        found = [str(rows.get(i, {}).get("status", "needed")) for i in ids]
        return max(found, key=lambda status: order.index(status) if status in order else 2)

    def reason(row_id: str) -> str:
        return str(rows.get(row_id, {}).get("reason", "not checked"))

    def not_ok(*ids: str) -> list[str]:
        return [row_id for row_id in ids if worst(row_id) != "ok"]

    def said(*ids: str) -> str:
        """The rows' reasons, each with its next step when it is not ok."""
        parts = []
        for row_id in ids:
            row = rows.get(row_id)
            if row is None:
                parts.append(f"{row_id}: not checked")
                continue
            fix = str((on_screen and row.get("on_screen")) or row.get("fix") or "")
            text = str(row["reason"])
            if row.get("status") != "ok" and fix:
                text += f" (to do: {fix})"
            parts.append(text)
        return "; ".join(parts)

    certificate = {"self-signed": "a self-signed certificate (trust it on each phone)",
                   "own": "your own certificate, chain verified",
                   "letsencrypt": "a Let's Encrypt certificate that renews itself"}[tls_mode]
    restarts = worst("docker.enabled-at-boot", "cht.running", "cht.restart-policy")
    power = worst("docker.enabled-at-boot", "cht.restart-policy", "data.journaled")
    recovery = worst("data.location", "data.backup")
    renewal = "tls.renewal" if tls_mode == "letsencrypt" else "tls.expiry"
    security = ("tls.certificate", "tls.installed", "cht.answers-https", "tls.trusted",
                "security.disk-encryption", "security.firewall", "security.ssh")
    return [
        Item("Alerting", worst("alerts.set-up", "alerts.scheduled"),
             said("alerts.set-up")),
        Item("Restarts", restarts,
             "Docker starts at boot; the containers restart always (verified)"
             if restarts == "ok" else "not verified: " + said(*not_ok(
                 "docker.enabled-at-boot", "cht.running", "cht.restart-policy"))),
        Item("Power failures", power,
             "after a power cut Docker starts at boot, the containers restart, and CHT's "
             f"data is on a filesystem that comes back consistent: {reason('data.journaled')}"
             if power == "ok" else "not verified: " + said(*not_ok(
                 "docker.enabled-at-boot", "cht.restart-policy", "data.journaled"))),
        Item("Backups", worst("data.backup", "backup.scheduled"), said("data.backup")),
        Item("Disaster recovery", recovery,
             f"data: {reason('data.location')}; answers: {paths.answers}. A backup holds "
             "both and the secrets: `cht-install restore FILE` rebuilds CHT on a new server"
             + (". Keep a copy off this server (cht-install cannot see it)" if recovery == "ok"
                else " (to do: a recent backup, then copy it off this server)")),
        Item("Scale", worst("hardware.enough"), reason("hardware.enough")),
        Item("Updates", worst("os.security-updates", "cht.version"),
             said("os.security-updates", "cht.version")),
        Item("Renewals", worst(renewal),
             f"{certificate}: {said(renewal)}; the domain name's registration is yours to "
             "renew"),
        Item("Security", worst(*security),
             f"HTTPS with {certificate}; "
             + said("security.disk-encryption", "security.firewall", "security.ssh")
             + f"; admin password only in {env or paths.env_file} (root only)"),
        Item("Privacy", worst("cht.answers-https"),
             "health data travels only over HTTPS (verified on the wire)"
             if worst("cht.answers-https") == "ok" else reason("cht.answers-https")),
    ]
