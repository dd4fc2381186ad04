"""The scheduled health check (`cht-install health-check`): doctor's verdict, compared with
the last one, turned into alerts (installer.alerts) and remembered."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from installer import alerts
from installer.alerts import Alert
from installer.session import Session

FINE = ("ok", "warning")


def problems_in(report: dict[str, Any]) -> list[str]:
    rows = [*report.get("steps", []), *report.get("checks", [])]
    return [f"{row['title']}: {row['reason']}" for row in rows if row["status"] not in FINE]


def verdict(session: Session) -> tuple[bool, list[str]]:
    """Healthy or not, and what is wrong; a check that itself fails counts as unhealthy."""
    try:
        report = session.doctor()
    except Exception as exc:  # the check must end, and say why, whatever broke
        return False, [f"the health check itself failed ({type(exc).__name__}: {exc})"]
    return bool(report["healthy"]), problems_in(report)


def alert_for(session: Session, kind: str, problems: list[str], now: float) -> Alert:
    return Alert(kind, session.config.hostname, session.url(), tuple(problems), now)


def check(session: Session, say: Callable[[str], None], now: float | None = None) -> bool:
    """One check: alert on a change (and daily while broken), ping, remember. Whether CHT
    is healthy."""
    now = time.time() if now is None else now
    log = session.real.log
    if session.running() is not None:
        say("cht-install is running (an install or repair): no check this time.")
        log("health check skipped: an install or repair is running")
        return True
    healthy, problems = verdict(session)
    path = alerts.state_path(session.paths)
    state = alerts.read_state(path)
    kind = alerts.decide(state, healthy, now)
    failures: list[str] = []
    delivered = False
    choice = session.config.alerts
    if kind is not None:
        shown = problems or list((state or {}).get("problems", []))
        if kind == "recovered":
            shown = [f"was: {problem}" for problem in shown]
        sent = alerts.deliver(choice, alert_for(session, kind, shown, now))
        failures = [f"{name}: {problem}" for name, problem in sent.items() if problem]
        delivered = any(problem is None for problem in sent.values())
    if choice.ping_url:
        problem = alerts.ping(choice.ping_url, healthy)
        if problem:
            failures.append(f"ping: {problem}")
    previous = state or {}
    changed = previous.get("healthy") is not healthy
    alerts.write_state(path, {
        "healthy": healthy, "problems": problems, "checked": now,
        "since": now if changed or "since" not in previous else previous["since"],
        "last_alert": now if delivered else previous.get("last_alert", 0),
        "undelivered": kind if kind and not delivered and (choice.webhook or choice.email)
        else None})
    summary = "healthy" if healthy else f"unhealthy ({len(problems)} problems)"
    said = f"health check: {summary}" + (f"; alert '{kind}' " + (
        "sent" if delivered else "not delivered") if kind else "; no alert due")
    say(said)
    log(said)
    for failure in failures:
        text = f"health check: could not deliver: {failure}; it is tried again at the next check"
        say(text)
        log(text)
    return healthy


def test_alert(session: Session, say: Callable[[str], None]) -> bool:
    """`cht-install alert-test`: one test alert to every receiver; whether all got it."""
    choice = session.config.alerts
    if not alerts.wanted(choice):
        say("No alerts are set up: set alerts.webhook and/or alerts.email in the answers "
            "(or --alerts-webhook URL / --alerts-email ADDRESS), then run cht-install.")
        return False
    sent = alerts.deliver(choice, alert_for(session, "test", [], time.time()))
    if choice.ping_url:
        sent[f"ping {choice.ping_url}"] = alerts.ping(choice.ping_url, True)
    for name, problem in sent.items():
        target = choice.webhook if name == "webhook" else ""
        say(f"{name}{' ' + target if target else ''}: {problem or 'sent'}")
    failed = [name for name, problem in sent.items() if problem]
    session.real.log(f"alert-test: sent to {len(sent) - len(failed)} of {len(sent)}"
                     + (f"; not to {', '.join(failed)}" if failed else ""))
    return not failed
