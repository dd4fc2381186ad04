"""Alerts: when one is due (no storm), what it carries, and delivery to a real HTTP
receiver on loopback: up, answering an error, refusing connections, or never answering."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from installer import alerts
from installer.alerts import REMIND_EVERY, Alert, decide
from tests.receiver import Got, receiving

NOW = 1_800_000_000.0


def test_one_alert_per_change_and_a_daily_reminder_while_broken() -> None:
    assert decide(None, True, NOW) is None
    assert decide(None, False, NOW) == "broken"
    healthy = {"healthy": True, "last_alert": 0}
    assert decide(healthy, True, NOW) is None
    assert decide(healthy, False, NOW) == "broken"
    broken = {"healthy": False, "last_alert": NOW - 60}
    assert decide(broken, False, NOW) is None  # the next check, 15 minutes on: quiet
    assert decide(broken, False, NOW + REMIND_EVERY) == "still-broken"
    assert decide(broken, True, NOW) == "recovered"


def test_an_alert_that_did_not_get_through_is_sent_again_brought_up_to_date() -> None:
    assert decide({"healthy": False, "undelivered": "broken"}, False, NOW) == "broken"
    assert decide({"healthy": False, "undelivered": "broken"}, True, NOW) == "recovered"
    assert decide({"healthy": True, "undelivered": "recovered"}, True, NOW) == "recovered"
    assert decide({"healthy": True, "undelivered": "recovered"}, False, NOW) == "broken"


def test_the_payload_suits_slack_teams_discord_and_anything_else() -> None:
    alert = Alert("broken", "cht.example.org", "https://cht.example.org/",
                  ("CHT answers over HTTPS: connection refused",), NOW)
    body = alert.payload()
    assert body["text"].startswith("CHT on cht.example.org needs attention")
    assert "connection refused" in body["text"] and "sudo cht-install doctor" in body["text"]
    assert body["content"] == body["text"][:2000]
    assert body["status"] == "broken" and body["problems"] == list(alert.problems)


@pytest.fixture
def receiver() -> Iterator[Got]:
    with receiving() as got:
        yield got


def test_a_webhook_gets_one_json_post(receiver: Got) -> None:
    alert = Alert("recovered", "cht.example.org", "https://cht.example.org/", (), NOW)
    assert alerts.send_webhook(f"{receiver.url}/hook", alert) is None
    path, headers, body = receiver.requests[0]
    assert path == "/hook" and headers["Content-Type"] == "application/json"
    assert headers["Title"] == "CHT on cht.example.org is healthy again"  # ntfy's title
    assert json.loads(body)["status"] == "recovered"


def test_healthchecks_style_pings_say_fail_when_unhealthy(receiver: Got) -> None:
    assert alerts.ping(f"{receiver.url}/uuid", True) is None
    assert alerts.ping(f"{receiver.url}/uuid", False) is None
    assert [path for path, _, _ in receiver.requests] == ["/uuid", "/uuid/fail"]


def test_a_receiver_answering_an_error_is_said(receiver: Got) -> None:
    receiver.status = 500
    alert = Alert("test", "h.example.org", "https://h.example.org/", (), NOW)
    assert alerts.send_webhook(receiver.url, alert) == \
        f"{receiver.url} answered 500 Internal Server Error"


def test_a_receiver_that_is_down_or_never_answers_costs_at_most_the_timeout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    alert = Alert("broken", "h.example.org", "https://h.example.org/", (), NOW)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    problem = alerts.send_webhook(f"http://127.0.0.1:{port}/", alert)
    assert problem is not None and "could not be reached" in problem
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers
    monkeypatch.setattr(alerts, "TIMEOUT", 1.0)
    started = time.monotonic()
    problem = alerts.send_webhook(f"http://127.0.0.1:{silent.getsockname()[1]}/", alert)
    assert time.monotonic() - started < 5
    assert problem is not None and "could not be reached" in problem
    silent.close()


def test_without_sendmail_the_email_is_not_sent_and_says_how_to_get_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "sendmail", lambda: None)
    alert = Alert("broken", "h.example.org", "https://h.example.org/", (), NOW)
    problem = alerts.send_email("ops@example.org", alert)
    assert problem is not None and "msmtp-mta" in problem
