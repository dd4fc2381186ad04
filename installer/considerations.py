"""The Considerations (restarts, backups, disaster recovery, scale, updates, security,
privacy) as a checklist: what the installer did about each, from doctor's findings."""

from __future__ import annotations

from dataclasses import dataclass

from installer.paths import Paths


@dataclass(frozen=True)
class Item:
    topic: str
    ok: bool  # verified just now; False: something for the operator to do
    text: str


def checklist(report: dict[str, object], paths: Paths, tls_mode: str) -> list[Item]:
    listed = [*report["steps"], *report.get("checks", [])]  # type: ignore[misc]
    rows: dict[str, dict[str, object]] = {str(r["id"]): r for r in listed}

    def fine(*ids: str) -> bool:
        return all(rows.get(i, {}).get("status") in ("ok", "warning") for i in ids)

    def reason(row_id: str) -> str:
        return str(rows.get(row_id, {}).get("reason", "not checked"))

    certificate = {"self-signed": "a self-signed certificate (trust it on each phone)",
                   "own": "your own certificate, chain verified",
                   "letsencrypt": "a Let's Encrypt certificate that renews itself"}[tls_mode]
    backup_done = rows.get("data.backup", {}).get("status") == "ok"
    return [
        Item("Restarts", fine("docker.enabled-at-boot", "cht.running"),
             "Docker starts at boot; the containers restart always (verified)"
             if fine("docker.enabled-at-boot", "cht.running") else
             "not verified: " + reason("docker.enabled-at-boot")),
        Item("Backups", backup_done,
             reason("data.backup") + ("" if backup_done else ": set up a nightly backup "
                                      "(`cht-install doctor` shows how)")),
        Item("Disaster recovery", fine("data.location"),
             f"data: {reason('data.location')}; answers: {paths.answers}. With both, "
             "cht-install rebuilds CHT on a new server"),
        Item("Scale", fine("hardware.enough"), reason("hardware.enough")),
        Item("Updates", fine("os.supported"),
             reason("os.supported") + "; the CHT version is the image tag in the answers"),
        Item("Security", fine("tls.certificate", "tls.installed", "cht.answers-https"),
             f"HTTPS with {certificate}; {reason('tls.expiry')}; admin password only in "
             f"{paths.env_file} (root only)"),
        Item("Privacy", fine("cht.answers-https"),
             "health data travels only over HTTPS (verified on the wire)"
             if fine("cht.answers-https") else reason("cht.answers-https")),
    ]
