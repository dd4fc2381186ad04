"""Alerts when CHT breaks and when it recovers: a webhook (JSON POST), an e-mail through
the server's own sendmail, and a healthchecks-style ping after every check. Once per
change, plus a daily reminder while it stays broken; a receiver that is down never hangs
or stops the check."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from installer.answers import AlertsChoice
from installer.host import write_atomically
from installer.host.fetch import open_url
from installer.paths import Paths

TIMEOUT = 10.0  # seconds for one delivery: a receiver that is down costs at most this
REMIND_EVERY = 24 * 3600.0
SENDMAIL_PLACES = ("/usr/sbin/sendmail", "/usr/lib/sendmail")


@dataclass(frozen=True)
class Alert:
    kind: str  # broken | still-broken | recovered | test
    host: str
    url: str
    problems: tuple[str, ...]
    time: float

    @property
    def title(self) -> str:
        return {"broken": f"CHT on {self.host} needs attention",
                "still-broken": f"CHT on {self.host} still needs attention",
                "recovered": f"CHT on {self.host} is healthy again",
                "test": f"Test alert from cht-install on {self.host}"}[self.kind]

    @property
    def text(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(self.time))
        lines = [f"{self.title} ({when})."]
        lines += [f"- {problem}" for problem in self.problems]
        if self.kind in ("broken", "still-broken"):
            lines.append(f"On the server: `sudo cht-install doctor` says more; `sudo "
                         f"cht-install` repairs what it can. CHT: {self.url}")
        elif self.kind == "test":
            lines.append("Alerts reach you. Nothing is wrong.")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """One JSON body that incoming webhooks read: Slack, Mattermost, Rocket.Chat and
        Teams' "text", Discord's "content", and the fields for anything else."""
        return {"text": self.text, "content": self.text[:2000], "title": self.title,
                "status": self.kind, "host": self.host, "url": self.url,
                "problems": list(self.problems), "time": int(self.time)}


def post(url: str, body: bytes, headers: dict[str, str]) -> str | None:
    """None when delivered; otherwise why not, in words."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with open_url(request, TIMEOUT) as answer:
            answer.read(4096)
        return None
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url} could not be reached ({reason})"


def send_webhook(url: str, alert: Alert) -> str | None:
    headers = {"Content-Type": "application/json", "User-Agent": "cht-install",
               # ntfy shows these as the notification's title and priority
               "Title": alert.title, "Priority": "high" if alert.kind == "broken" else "default"}
    return post(url, json.dumps(alert.payload()).encode(), headers)


def sendmail() -> str | None:
    found = shutil.which("sendmail")
    if found:
        return found
    return next((place for place in SENDMAIL_PLACES if Path(place).exists()), None)


def send_email(address: str, alert: Alert) -> str | None:
    program = sendmail()
    if program is None:
        return ("this server has no sendmail to send e-mail with (install one: `apt install "
                "msmtp-mta` and set it up, or postfix)")
    message = EmailMessage()
    message["To"] = address
    message["From"] = f"cht-install <root@{alert.host}>"
    message["Subject"] = alert.title
    message.set_content(alert.text)
    try:
        done = subprocess.run([program, "-t", "-oi"], input=message.as_bytes(),
                              capture_output=True, timeout=TIMEOUT * 3, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{program} failed ({exc})"
    if done.returncode != 0:
        return f"{program} failed: {done.stderr.decode(errors='replace').strip()[-200:]}"
    return None


def ping(url: str, healthy: bool) -> str | None:
    """healthchecks-style: the URL when healthy, URL/fail when not."""
    return post(url if healthy else url.rstrip("/") + "/fail", b"", {"User-Agent":
                                                                      "cht-install"})


def deliver(choice: AlertsChoice, alert: Alert) -> dict[str, str | None]:
    """Send to every receiver set up: each one's name -> None when delivered, else why
    not, in words."""
    sent: dict[str, str | None] = {}
    if choice.webhook:
        sent["webhook"] = send_webhook(choice.webhook, alert)
    if choice.email:
        sent[f"e-mail to {choice.email}"] = send_email(choice.email, alert)
    return sent


def wanted(choice: AlertsChoice) -> bool:
    return bool(choice.webhook or choice.email or choice.ping_url)


def decide(state: dict[str, Any] | None, healthy: bool, now: float) -> str | None:
    """Which alert this check sends: on a change, a daily reminder while broken, and again
    when the last one could not be delivered."""
    if state is None:
        return None if healthy else "broken"
    was_healthy = bool(state.get("healthy", True))
    missed = state.get("undelivered")
    if missed:  # the last alert did not get through: the news it carried, brought up to date
        return "recovered" if healthy else ("broken" if missed == "recovered" else str(missed))
    if was_healthy and not healthy:
        return "broken"
    if not was_healthy and healthy:
        return "recovered"
    if not healthy and now - float(state.get("last_alert", 0)) >= REMIND_EVERY:
        return "still-broken"
    return None


def state_path(paths: Paths) -> Path:
    """The health check's last verdict and alert (doctor reads it too)."""
    return paths.journal.parent / "health-state.json"


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def write_state(path: Path, state: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(state).encode(), 0o600)
